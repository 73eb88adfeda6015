# The Twilio credentials, as Secret Manager secrets keyed by the environment variable they
# become; only the functions that talk to the carrier get them (local.functions). Terraform
# creates the secrets, never their values: the operator adds those (README.md, "Deploy"), so
# they never pass through Terraform state or CI logs.
#
#   printf %s "$TWILIO_ACCOUNT_SID" | gcloud secrets versions add twilio-account-sid --data-file=-
#   printf %s "$TWILIO_AUTH_TOKEN"  | gcloud secrets versions add twilio-auth-token  --data-file=-
#
# Functions read the latest version when an instance starts (README.md, "Updating", says how to
# switch at once after a rotation).

locals {
  twilio_secrets = {
    TWILIO_ACCOUNT_SID = var.twilio_account_sid_secret
    TWILIO_AUTH_TOKEN  = var.twilio_auth_token_secret
  }
}

resource "google_secret_manager_secret" "twilio" {
  for_each = local.twilio_secrets

  project   = var.project_id
  secret_id = each.value

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# The key that signs timer deliveries to the expiry function (SMSDESK_TIMER_SECRET). Nobody
# needs to know it, so Terraform makes it: unlike the Twilio credentials, its value is in the
# Terraform state (keep the state bucket private). To rotate it,
# terraform apply -replace=random_password.timer_secret, then replace the functions (README.md,
# "Updating"); timers signed with the old key fail their check and the sweeper fires them.
resource "random_password" "timer_secret" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret" "timer" {
  project   = var.project_id
  secret_id = var.timer_secret

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "timer" {
  secret      = google_secret_manager_secret.timer.id
  secret_data = random_password.timer_secret.result
}

# The key that signs the webhook CRM adapter's requests (SMSDESK_CRM_WEBHOOK_SECRET), made like
# the timer key; the business's receiver needs it to check X-Smsdesk-Signature:
#
#   gcloud secrets versions access latest --secret=smsdesk-crm-webhook-secret
resource "random_password" "crm_webhook_secret" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret" "crm_webhook" {
  project   = var.project_id
  secret_id = var.crm_webhook_secret

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "crm_webhook" {
  secret      = google_secret_manager_secret.crm_webhook.id
  secret_data = random_password.crm_webhook_secret.result
}

# The HubSpot private app token (SMSDESK_HUBSPOT_TOKEN). A function cannot start on a secret
# without a version, so Terraform writes the placeholder "unset" (which the code treats as no
# token) and leaves later versions to the operator, when a number uses the hubspot adapter:
#
#   printf %s "$HUBSPOT_TOKEN" | gcloud secrets versions add smsdesk-hubspot-token --data-file=-
resource "google_secret_manager_secret" "hubspot" {
  project   = var.project_id
  secret_id = var.hubspot_token_secret

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "hubspot_placeholder" {
  secret      = google_secret_manager_secret.hubspot.id
  secret_data = "unset"

  lifecycle {
    ignore_changes = [secret_data]
  }
}
