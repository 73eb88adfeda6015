# Who may do what. Each function runs as its own service account with only what it uses:
#   Firestore (datastore.user)        every function: all keep state there
#   publish to a topic                as local.functions[*].publishes says
#   read a secret                     the timer secret the whole_app functions; the Twilio
#                                     secrets as local.functions[*].secrets says
#   create timer tasks                the whole_app functions: any may set a chat deadline
#                                     (enqueuer on the queue, serviceAccountUser on the tasks
#                                     account); the carrier's webhooks set none
# Invoking: the webhooks and the agent and admin APIs are public (the code checks Twilio's
# signatures and bearer tokens); the others only by the accounts in local.invoker_members:
# the event functions by the push account, expiry by the tasks account, the sweeper by the
# scheduler account (all below).

resource "google_service_account" "function" {
  for_each = local.functions

  project      = var.project_id
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "smsdesk ${each.key} function"
  description  = each.value.description

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "function_datastore" {
  for_each = local.functions

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.key].member
}

locals {
  function_publishes = merge([
    for name, f in local.functions : {
      for topic in f.publishes : "${name}/${topic}" => { function = name, topic = topic }
    }
  ]...)

  function_secrets = merge([
    for name, f in local.functions : {
      for env in local.function_secret_env[name] : "${name}/${env}" => { function = name, env = env }
    }
  ]...)
}

resource "google_pubsub_topic_iam_member" "function_publisher" {
  for_each = local.function_publishes

  topic  = google_pubsub_topic.bus[each.value.topic].name
  role   = "roles/pubsub.publisher"
  member = google_service_account.function[each.value.function].member
}

resource "google_secret_manager_secret_iam_member" "function" {
  for_each = local.function_secrets

  project   = var.project_id
  secret_id = local.secret_env[each.value.env]
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function[each.value.function].member
}

# The whole_app functions may create timer tasks in the queue (timers.tf) ...
resource "google_cloud_tasks_queue_iam_member" "function_enqueuer" {
  for_each = { for name, f in local.functions : name => f if f.whole_app }

  project  = var.project_id
  location = google_cloud_tasks_queue.timers.location
  name     = google_cloud_tasks_queue.timers.name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.function[each.key].member
}

# ... whose OIDC token is for the tasks account: naming it in a task takes actAs on it.
resource "google_service_account_iam_member" "function_tasks_user" {
  for_each = { for name, f in local.functions : name => f if f.whole_app }

  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.function[each.key].member
}

# The identity Cloud Tasks delivers timers with (an OIDC token for this account); it may invoke
# only the expiry function (local.functions, invokers). Cloud Tasks' service agent mints the
# tokens with the role Google grants it when the API is enabled.
resource "google_service_account" "tasks" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-tasks"
  display_name = "smsdesk Cloud Tasks timers"
  description  = "Cloud Tasks delivers chat timers to the expiry function as this account."

  depends_on = [google_project_service.apis]
}

# The identity Cloud Scheduler runs the sweeper with; it may invoke only the sweeper function.
resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "smsdesk Cloud Scheduler sweeper"
  description  = "Cloud Scheduler calls the sweeper function as this account."

  depends_on = [google_project_service.apis]
}

# The identity Pub/Sub pushes with (an OIDC token for this account); it may invoke only the
# event functions (local.functions, invokers).
resource "google_service_account" "push" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-push"
  display_name = "smsdesk Pub/Sub push"
  description  = "Pub/Sub pushes sms-inbound and sms-outbound to the event functions as this account."

  depends_on = [google_project_service.apis]
}

# Pub/Sub's service agent mints the push tokens. Projects made since April 2021 grant this
# already; older ones need it.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# Cloud Build builds the functions as this account rather than the default compute account,
# which new projects no longer give the roles a build needs.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-build"
  display_name = "smsdesk function builds"

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "build" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder" # what Google documents for a custom build account
  member  = google_service_account.build.member
}
