# Consumers' MMS media, copied from the carrier (shared/media) and served to agents through
# short-lived signed URLs: private, and deleted after the retention the business chooses.
resource "google_storage_bucket" "media" {
  name                        = "${var.project_id}-${var.name_prefix}-media"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = var.media_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# The conversation copies MMS media into the bucket (shared/media writes only if absent and
# reads the attributes of copies made by an earlier delivery).
resource "google_storage_bucket_iam_member" "media_writer" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectUser"
  member = google_service_account.function["conversation"].member
}

# The agent API signs short-lived URLs of the copies: it needs to read them and to sign as
# itself (IAM signBlob on its own account).
resource "google_storage_bucket_iam_member" "media_reader" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.function["agent"].member
}

resource "google_service_account_iam_member" "agent_signs_urls" {
  service_account_id = google_service_account.function["agent"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.function["agent"].member
}
