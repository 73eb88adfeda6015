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
