# `terraform test` (after `terraform init`): plans the whole configuration with mocked providers,
# so without credentials or a project, and catches the expression and type errors that
# `terraform validate` cannot see, as it treats variables as unknown. Cloud Build runs it before
# every apply.
mock_provider "google" {
  mock_resource "google_service_account" {
    defaults = {
      email  = "smsdesk-mock@demo-project.iam.gserviceaccount.com"
      member = "serviceAccount:smsdesk-mock@demo-project.iam.gserviceaccount.com"
      name   = "projects/demo-project/serviceAccounts/smsdesk-mock@demo-project.iam.gserviceaccount.com"
      id     = "projects/demo-project/serviceAccounts/smsdesk-mock@demo-project.iam.gserviceaccount.com"
    }
  }
  mock_resource "google_cloudfunctions2_function" {
    defaults = {
      url = "https://us-central1-demo-project.cloudfunctions.net/f"
    }
  }
}
mock_provider "google-beta" {
  mock_resource "google_project_service_identity" {
    defaults = {
      email  = "service-1@gcp-sa-pubsub.iam.gserviceaccount.com"
      member = "serviceAccount:service-1@gcp-sa-pubsub.iam.gserviceaccount.com"
    }
  }
}
mock_provider "random" {}
mock_provider "archive" {
  mock_data "archive_file" {
    defaults = {
      output_md5 = "0123456789abcdef0123456789abcdef"
    }
  }
}

variables {
  project_id = "demo-project"
}

run "plan" {
  command = plan

  assert {
    condition     = google_pubsub_topic.bus["chat_events"].name == "sms-chat-events"
    error_message = "the CRM sync function or its chat-events topic is missing"
  }
}

# The other branches of the expressions: a Firestore location, a public URL with a trailing
# slash, per-function overrides.
run "plan_with_overrides" {
  command = plan

  variables {
    firestore_location = "nam5"
    public_url         = "https://sms.example.com/"
    function_overrides = {
      sender  = { max_instances = 5 }
      sweeper = { timeout_seconds = 5, memory = "512M" }
    }
  }

  assert {
    condition     = output.inbound_webhook_url == "https://sms.example.com/inbound"
    error_message = "public_url's trailing slash is not trimmed"
  }
  assert {
    condition     = output.inbound_fallback_url == "https://sms.example.com/inboundfallback"
    error_message = "the carrier's fallback URL is not the inboundfallback function's"
  }
  assert {
    condition     = !contains(keys(google_secret_manager_secret_iam_member.function), "inbound/SMSDESK_TIMER_SECRET") && contains(keys(google_secret_manager_secret_iam_member.function), "expiry/SMSDESK_TIMER_SECRET")
    error_message = "the timer secret is not only for the functions that build the whole app"
  }
  assert {
    condition     = !contains(keys(google_cloud_tasks_queue_iam_member.function_enqueuer), "inboundfallback") && contains(keys(google_cloud_tasks_queue_iam_member.function_enqueuer), "conversation")
    error_message = "the webhooks may create timer tasks, or the conversation may not"
  }
  assert {
    condition     = google_cloud_scheduler_job.sweeper.attempt_deadline == "15s"
    error_message = "the sweeper's attempt deadline is not at least 15s"
  }
}
