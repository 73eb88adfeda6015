# The functions, one per entry point registered in ../entrypoints.go, all built from one zip of
# the repository. A function is deployed under its registered name, so it serves at
# local.public_url/<name>: the URL the carrier calls and the code checks signatures against.

locals {
  public_url = var.public_url != "" ? trimsuffix(var.public_url, "/") : "https://${var.region}-${var.project_id}.cloudfunctions.net"

  # Pub/Sub topics between the functions. The names are the defaults in shared/config/env.go;
  # the functions are told them anyway (SMSDESK_*_TOPIC below).
  topics = {
    inbound     = "sms-inbound"
    outbound    = "sms-outbound"
    bulk        = "sms-bulk"
    chat_events = "sms-chat-events"
  }

  # The one list of functions; terraform/infra_test.go checks it against entrypoints.go.
  #   public:    anyone may invoke it (run.invoker for allUsers); the code authenticates callers.
  #   whole_app: it builds the whole app (shared/app.New) and may set chat timers, so it gets
  #              local.app_env, local.app_secrets and the right to create timer tasks. The
  #              carrier's webhooks build only their clients (shared/app.NewWebhooks): false.
  #   invokers:  keys in local.invoker_members that may invoke it (run.invoker), for the
  #              functions that are not public.
  #   topic:     null for an HTTP function; for a CloudEvent function, the key in local.topics it
  #              consumes through an ordered push subscription (pubsub.tf).
  #   publishes: keys in local.topics it publishes to (iam.tf grants exactly these).
  #   secrets:   secret environment variables it gets besides local.common_secrets (iam.tf grants
  #              access to exactly these).
  #   env:       plain environment variables it gets besides local.common_env.
  functions = {
    inbound = {
      description = "Carrier webhook for consumer texts: checks X-Twilio-Signature and the message's shape, publishes to sms-inbound (the conversation applies each MessageSid once)."
      public      = true
      whole_app   = false
      invokers    = []
      topic       = null
      publishes   = ["inbound"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # signature check
      env         = {}
    }
    inboundfallback = {
      description = "The carrier's fallback URL for consumer texts, called when inbound fails or times out: the same checks, then parks the text in Firestore and publishes it; the sweeper publishes what stayed parked."
      public      = true
      whole_app   = false
      invokers    = []
      topic       = null
      publishes   = ["inbound"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # signature check
      env         = {}
    }
    status = {
      description = "Carrier webhook for delivery statuses: checks X-Twilio-Signature, applies statuses monotonically; one it cannot record within 5 s goes onto sms-outbound for the sender to record."
      public      = true
      whole_app   = false
      invokers    = []
      topic       = null
      publishes   = ["outbound"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # signature check
      env         = {}
    }
    agent = {
      description = "Agent API (JSON over HTTP); authenticates agents itself with bearer tokens."
      public      = true
      whole_app   = true
      invokers    = []
      topic       = null
      publishes   = ["outbound", "chat_events"]
      secrets     = []
      env = {
        # Live-update streams (GET /agent/stream) end before the request timeout; the
        # browser reconnects with Last-Event-ID.
        SMSDESK_STREAM_MAX = "${local.agent_stream_seconds}s"
      }
    }
    console = {
      description = "The agents' console in the browser: server-rendered pages with htmx, live updates over server-sent events; authenticates agents itself with a session cookie."
      public      = true
      whole_app   = true
      invokers    = []
      topic       = null
      publishes   = ["outbound", "chat_events"]
      secrets     = []
      env = {
        # Live-update streams (GET /console/events) end before the request timeout; the
        # browser reconnects with Last-Event-ID.
        SMSDESK_STREAM_MAX = "${local.console_stream_seconds}s"
      }
    }
    admin = {
      description = "Admin API (JSON over HTTP): numbers, queues, teams, agents, settings; authenticates admins itself with bearer tokens."
      public      = true
      whole_app   = true
      invokers    = []
      topic       = null
      publishes   = []
      secrets     = []
      env         = {}
    }
    outbound = {
      description = "Outbound SMS API (JSON over HTTP): notifications, business-opened chats and bulk sends; authenticates API keys and agent tokens itself."
      public      = true
      whole_app   = true
      invokers    = []
      topic       = null
      publishes   = ["outbound", "bulk", "chat_events"]
      secrets     = []
      env         = {}
    }
    voice = {
      description = "Carrier webhook for calls: checks X-Twilio-Signature and the call's shape, answers TwiML (blocked callers rejected, long waits offered or moved to text, else the carrier's queue)."
      public      = true
      whole_app   = true # opens the chat a deflected caller moves to
      invokers    = []
      topic       = null
      publishes   = ["outbound", "chat_events"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # signature check
      env         = {}
    }
    expiry = {
      description = "Target of the chat timers (Cloud Tasks HTTP tasks): checks the timer's signature and applies it once."
      public      = false
      whole_app   = true
      invokers    = ["cloud-tasks"]
      topic       = null
      publishes   = ["outbound", "chat_events"]
      secrets     = []
      env         = {}
    }
    sweeper = {
      description = "Run by Cloud Scheduler every few minutes: carries out what the outbox holds, fires the chat deadlines whose timers never arrived, announces chats the CRM missed, and asks the carrier for the delivery statuses whose callbacks never came."
      public      = false
      whole_app   = true
      invokers    = ["cloud-scheduler"]
      topic       = null
      publishes   = ["outbound", "chat_events"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # asks the Twilio API for messages' statuses
      env = {
        SMSDESK_SWEEP_GRACE = var.sweep_grace
      }
    }
    conversation = {
      description = "Consumes sms-inbound: the chat state machine in Firestore transactions, queueing and assignment; copies MMS media to the media bucket."
      public      = false
      whole_app   = true
      invokers    = ["pubsub-push"]
      topic       = "inbound"
      publishes   = ["outbound", "chat_events"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # fetches MMS media with the carrier's credentials
      env = {
        SMSDESK_DELETE_CARRIER_MEDIA = var.delete_carrier_media ? "1" : "0"
      }
    }
    bulk = {
      description = "Consumes sms-bulk: sends each batch of a bulk request recipient by recipient and records the outcomes."
      public      = false
      whole_app   = true
      invokers    = ["pubsub-push"]
      topic       = "bulk"
      publishes   = ["outbound"]
      secrets     = []
      env         = {}
    }
    sender = {
      description = "Consumes sms-outbound: the one place that calls the carrier (opt-out check, send, status callback URL), and records the statuses the status webhook handed over."
      public      = false
      whole_app   = true
      invokers    = ["pubsub-push"]
      topic       = "outbound"
      publishes   = ["chat_events"]
      secrets     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] # sends through the Twilio API
      env         = {}
    }
    crmsync = {
      description = "Consumes sms-chat-events: finds or creates the consumer's CRM contact and posts the chat's events and transcript, once each."
      public      = false
      whole_app   = true
      invokers    = ["pubsub-push"]
      topic       = "chat_events"
      publishes   = []
      secrets     = ["SMSDESK_CRM_WEBHOOK_SECRET", "SMSDESK_HUBSPOT_TOKEN"] # the CRM adapters' credentials
      env         = {}
    }
  }

  # The agent API and the console hold agents' live-update streams open for minutes, many per
  # instance (they are idle between changes), so that one instance's Firestore listeners serve
  # them all: a long timeout and concurrent requests (concurrency_of).
  agent_timeout_seconds   = coalesce(try(var.function_overrides["agent"].timeout_seconds, null), 600)
  agent_stream_seconds    = local.agent_timeout_seconds > 120 ? local.agent_timeout_seconds - 60 : local.agent_timeout_seconds / 2
  console_timeout_seconds = coalesce(try(var.function_overrides["console"].timeout_seconds, null), 600)
  console_stream_seconds  = local.console_timeout_seconds > 120 ? local.console_timeout_seconds - 60 : local.console_timeout_seconds / 2
  stream_timeout_seconds  = { agent = local.agent_timeout_seconds, console = local.console_timeout_seconds }
  concurrency_of          = { sender = 40, agent = 250, console = 250 }

  # What every function reads from its environment (shared/config/env.go).
  common_env = {
    GOOGLE_CLOUD_PROJECT      = var.project_id
    SMSDESK_PUBLIC_URL        = local.public_url
    SMSDESK_INBOUND_TOPIC     = local.topics.inbound
    SMSDESK_OUTBOUND_TOPIC    = local.topics.outbound
    SMSDESK_BULK_TOPIC        = local.topics.bulk
    SMSDESK_CHAT_EVENTS_TOPIC = local.topics.chat_events
    # Console sign-in through Identity-Aware Proxy ("" leaves it off); only the console reads it.
    SMSDESK_IAP_AUDIENCE = var.console_iap_audience
    # When the sweeper asks the carrier for a status that never arrived: the sender and the
    # status webhook set the time on each message, the sweeper keeps to it.
    SMSDESK_STATUS_RECHECK = var.status_recheck
  }

  # What the functions that build the whole app (whole_app) read besides: any of them may set
  # a chat deadline (shared/app builds the scheduler at start), so they get the queue and the
  # identity of its tasks, and the media bucket.
  app_env = {
    SMSDESK_MEDIA_BUCKET          = google_storage_bucket.media.name
    SMSDESK_TASKS_QUEUE           = local.timer_queue_id
    SMSDESK_TASKS_SERVICE_ACCOUNT = google_service_account.tasks.email
  }

  # Secret environment variables of the whole_app functions: timer deliveries are signed with this.
  app_secrets = ["SMSDESK_TIMER_SECRET"]

  # Each function's secret environment variables.
  function_secret_env = {
    for name, f in local.functions : name => concat(f.whole_app ? local.app_secrets : [], f.secrets)
  }

  # Secret environment variables and the Secret Manager secrets behind them (secrets.tf).
  secret_env = {
    TWILIO_ACCOUNT_SID         = google_secret_manager_secret.twilio["TWILIO_ACCOUNT_SID"].secret_id
    TWILIO_AUTH_TOKEN          = google_secret_manager_secret.twilio["TWILIO_AUTH_TOKEN"].secret_id
    SMSDESK_TIMER_SECRET       = google_secret_manager_secret.timer.secret_id
    SMSDESK_CRM_WEBHOOK_SECRET = google_secret_manager_secret.crm_webhook.secret_id
    SMSDESK_HUBSPOT_TOKEN      = google_secret_manager_secret.hubspot.secret_id
  }

  # Who may invoke the functions that are not public (local.functions[*].invokers): Pub/Sub
  # pushing to the event functions, Cloud Tasks delivering timers, Cloud Scheduler running the
  # sweeper, each with an OIDC token for its own service account (iam.tf).
  invoker_members = {
    pubsub-push     = google_service_account.push.member
    cloud-tasks     = google_service_account.tasks.member
    cloud-scheduler = google_service_account.scheduler.member
  }

  # Per-function settings: the defaults from variables.tf with var.function_overrides applied.
  # The sender holds each number to its carrier rate in memory, so it runs as one instance
  # (with concurrent requests) unless overridden.
  settings = {
    for name in keys(local.functions) : name => {
      memory          = coalesce(try(var.function_overrides[name].memory, null), var.function_memory)
      timeout_seconds = contains(keys(local.stream_timeout_seconds), name) ? local.stream_timeout_seconds[name] : coalesce(try(var.function_overrides[name].timeout_seconds, null), var.function_timeout_seconds)
      max_instances   = coalesce(try(var.function_overrides[name].max_instances, null), name == "sender" ? 1 : var.max_instances)
      min_instances   = coalesce(try(var.function_overrides[name].min_instances, null), var.min_instances)
    }
  }
}

# The source: the repository without what the functions do not build from. The Go buildpack
# builds the module's root package (entrypoints.go) with each function's entry point.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/smsdesk-source.zip"
  excludes    = [".git", ".ci", ".dev", "bin", "scripts", "terraform"]
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  depends_on = [google_project_service.apis]
}

# Named by content, so that a change of the code redeploys every function and nothing else does.
resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

module "function" {
  source   = "./modules/function"
  for_each = local.functions

  project_id  = var.project_id
  region      = var.region
  name        = each.key
  entry_point = each.key
  description = each.value.description

  source_bucket         = google_storage_bucket.source.name
  source_object         = google_storage_bucket_object.source.name
  service_account_email = google_service_account.function[each.key].email
  build_service_account = google_service_account.build.id

  memory          = local.settings[each.key].memory
  timeout_seconds = local.settings[each.key].timeout_seconds
  max_instances   = local.settings[each.key].max_instances
  concurrency     = lookup(local.concurrency_of, each.key, 1)
  min_instances   = local.settings[each.key].min_instances

  environment_variables        = merge(local.common_env, each.value.whole_app ? local.app_env : {}, each.value.env)
  secret_environment_variables = { for env in local.function_secret_env[each.key] : env => local.secret_env[env] }

  # HTTP functions the public may call; the others only the identities in their invokers.
  public   = each.value.public
  invokers = { for id in each.value.invokers : id => local.invoker_members[id] }

  # The function must be able to read its secrets and use Firestore from its first instance.
  depends_on = [
    google_project_service.apis,
    google_project_iam_member.build,
    google_project_iam_member.function_datastore,
    google_secret_manager_secret_iam_member.function,
    google_secret_manager_secret_version.timer,
    google_secret_manager_secret_version.crm_webhook,
    google_secret_manager_secret_version.hubspot_placeholder,
    google_cloud_tasks_queue_iam_member.function_enqueuer,
    google_service_account_iam_member.function_tasks_user,
    google_firestore_database.default,
  ]
}
