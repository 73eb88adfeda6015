variable "project_id" {
  description = "Project the function is deployed into."
  type        = string
}

variable "region" {
  description = "Region of the function."
  type        = string
}

variable "name" {
  description = "Function name; also its URL path (https://REGION-PROJECT.cloudfunctions.net/NAME)."
  type        = string
}

variable "entry_point" {
  description = "Name the function is registered under in entrypoints.go (functions.HTTP or functions.CloudEvent)."
  type        = string
}

variable "description" {
  description = "What the function does."
  type        = string
  default     = ""
}

variable "runtime" {
  description = "Cloud Functions runtime; matches the go directive of go.mod."
  type        = string
  default     = "go126"
}

variable "source_bucket" {
  description = "Bucket holding the zipped source."
  type        = string
}

variable "source_object" {
  description = "Object name of the zipped source in source_bucket."
  type        = string
}

variable "service_account_email" {
  description = "Service account the function runs as (its own; iam.tf grants what it needs)."
  type        = string
}

variable "build_service_account" {
  description = "Service account Cloud Build builds the function with (projects/PROJECT/serviceAccounts/EMAIL)."
  type        = string
}

variable "memory" {
  description = "Memory per instance, e.g. 256M."
  type        = string
  default     = "256M"
}

variable "timeout_seconds" {
  description = "Request timeout."
  type        = number
  default     = 60
}

variable "concurrency" {
  description = "Requests one instance serves at once (above 1 needs a whole CPU)."
  type        = number
  default     = 1
}

variable "max_instances" {
  description = "Most instances."
  type        = number
  default     = 20
}

variable "min_instances" {
  description = "Instances kept warm."
  type        = number
  default     = 0
}

variable "environment_variables" {
  description = "Plain environment variables."
  type        = map(string)
  default     = {}
}

variable "secret_environment_variables" {
  description = "Environment variable name => Secret Manager secret id (same project; latest version)."
  type        = map(string)
  default     = {}
}

variable "public" {
  description = "Let anyone invoke the function (run.invoker for allUsers); for webhooks and APIs that authenticate callers themselves."
  type        = bool
  default     = false
}

variable "invokers" {
  description = "Other members allowed to invoke the function, by a static id (e.g. { pubsub-push = \"serviceAccount:...\" })."
  type        = map(string)
  default     = {}
}
