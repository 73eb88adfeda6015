output "name" {
  description = "Function name."
  value       = google_cloudfunctions2_function.this.name
}

output "url" {
  description = "The function's cloudfunctions.net URL (https://REGION-PROJECT.cloudfunctions.net/NAME)."
  value       = google_cloudfunctions2_function.this.url
}

output "uri" {
  description = "The URL of the Cloud Run service behind the function (run.app); Pub/Sub pushes here."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service_account_email" {
  description = "Service account the function runs as."
  value       = var.service_account_email
}
