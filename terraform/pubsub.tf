# Topics between the functions, and the push subscriptions that deliver them to the CloudEvent
# functions. These are explicit subscriptions rather than Eventarc triggers because Eventarc
# cannot deliver in order, and smsdesk publishes each chat's messages with one ordering key
# (shared/bus) so that a transcript keeps its order.

resource "google_pubsub_topic" "bus" {
  for_each = local.topics

  name = each.value

  depends_on = [google_project_service.apis]
}

locals {
  # One push subscription per CloudEvent function, from the topic it consumes.
  push_routes = { for name, f in local.functions : name => f if f.topic != null }

  pubsub_agent = google_project_service_identity.pubsub.member
}

# Pub/Sub's service agent forwards undeliverable messages to dead-letter topics; it must exist
# before it is granted anything.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "push" {
  for_each = local.push_routes

  name  = "${local.topics[each.value.topic]}-${each.key}" # e.g. sms-inbound-conversation
  topic = google_pubsub_topic.bus[each.value.topic].id

  # Per ordering key, one message is outstanding at a time, in publish order.
  enable_message_ordering    = true
  ack_deadline_seconds       = local.settings[each.key].timeout_seconds
  message_retention_duration = "604800s"

  push_config {
    # The Functions Framework turns a Pub/Sub push into the CloudEvent the function takes and
    # reads the topic from this path, as it does locally (scripts/localrun).
    push_endpoint = "${module.function[each.key].uri}/projects/${var.project_id}/topics/${local.topics[each.value.topic]}"

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = module.function[each.key].uri
    }
  }

  # A failing message is retried with backoff (and holds back later messages of its key) ...
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  # ... until it goes to the dead-letter topic, which lets its key go on.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = "" # never expire, however quiet the topic
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}

# Dead letters: one topic per subscription, each with a pull subscription that keeps them until
# an operator looks (gcloud pubsub subscriptions pull NAME-pull --auto-ack=false).
resource "google_pubsub_topic" "dead_letter" {
  for_each = local.push_routes

  name = "${local.topics[each.value.topic]}-${each.key}-dead-letter"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.push_routes

  name  = "${local.topics[each.value.topic]}-${each.key}-dead-letter-pull"
  topic = google_pubsub_topic.dead_letter[each.key].id

  ack_deadline_seconds       = 60
  message_retention_duration = var.dead_letter_retention

  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub's service agent publishes dead letters and acknowledges them on the source
# subscription; without both, max_delivery_attempts is not enforced.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.push_routes

  topic  = google_pubsub_topic.dead_letter[each.key].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_routes

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
