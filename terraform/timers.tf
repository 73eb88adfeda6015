# Chat timers (shared/timers): a function that sets a deadline creates a Cloud Tasks HTTP task
# in this queue, due then, that POSTs the timer, signed with SMSDESK_TIMER_SECRET, to the expiry
# function with an OIDC token for the tasks service account (iam.tf). The token's audience is
# the task's URL, SMSDESK_PUBLIC_URL/expiry, by default
# https://REGION-PROJECT.cloudfunctions.net/expiry: Cloud Run accepts its run.app URLs as
# audience and, for a 2nd gen function, the function's cloudfunctions.net URL too. (With
# public_url set to a custom domain, that domain must route /expiry to the function, and Cloud
# Run would refuse a token with that domain as audience.)
#
# Tasks get lost only in rare cases (a queue purged, retries exhausted); the sweeper, run by
# Cloud Scheduler below, fires every deadline whose timer has not arrived SMSDESK_SWEEP_GRACE
# after it was due.

locals {
  # SMSDESK_TASKS_QUEUE: the full name the code creates tasks in.
  timer_queue_id = "projects/${var.project_id}/locations/${google_cloud_tasks_queue.timers.location}/queues/${google_cloud_tasks_queue.timers.name}"
}

# A queue's name cannot be used again for a few days after it is deleted.
resource "google_cloud_tasks_queue" "timers" {
  project  = var.project_id
  location = var.region
  name     = "${var.name_prefix}-timers"

  # Deadlines of many chats may fall together (e.g. after an outage); this spreads their
  # deliveries over the expiry function's instances.
  rate_limits {
    max_dispatches_per_second = var.timer_max_dispatches_per_second
    max_concurrent_dispatches = var.timer_max_concurrent_dispatches
  }

  # A delivery the expiry function fails (any answer but 2xx) is retried with backoff; a timer
  # that fires twice does nothing the second time.
  retry_config {
    max_attempts  = var.timer_max_attempts
    min_backoff   = var.timer_min_backoff
    max_backoff   = var.timer_max_backoff
    max_doublings = 5
  }

  depends_on = [google_project_service.apis]
}

# The sweeper: Cloud Scheduler POSTs to it (adding the X-CloudScheduler-JobName header the
# handler requires) with an OIDC token for the scheduler service account, the only one that may
# invoke it (iam.tf).
resource "google_cloud_scheduler_job" "sweeper" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-sweeper"
  description = "Fires the chat deadlines whose Cloud Tasks timers never arrived (function sweeper)."
  schedule    = var.sweep_schedule
  time_zone   = "Etc/UTC"

  attempt_deadline = "${max(15, local.settings["sweeper"].timeout_seconds)}s" # 15s at least

  # No retries: the next run is minutes away and sweeps whatever this one left.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = module.function["sweeper"].url

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.function["sweeper"].url
    }
  }

  depends_on = [google_project_service.apis]
}
