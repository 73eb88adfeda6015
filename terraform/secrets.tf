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
