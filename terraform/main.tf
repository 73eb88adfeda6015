# smsdesk's infrastructure in one Google Cloud project: the functions registered in
# ../entrypoints.go (functions.tf), the Pub/Sub topics between them (pubsub.tf), the Cloud Tasks
# queue of the chat timers and the Cloud Scheduler job of the sweeper (timers.tf), Firestore
# (firestore.tf), the media bucket (storage.tf), the secrets (secrets.tf) and who may do what
# (iam.tf). infra_test.go checks that this and the Go code agree; tests/ plans it with mocked
# providers; README.md says how to deploy. Functions the code does not have yet (reports, ...)
# come with the change that adds their code.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 9.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.0, < 9.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State lives in a bucket so that Cloud Build and people share it. The bucket is given at
  # init: terraform init -backend-config="bucket=PROJECT-tfstate" (see README.md).
  backend "gcs" {
    prefix = "smsdesk"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

# The APIs smsdesk uses. Disabling them on destroy is left off: other things in the project may
# need them too.
locals {
  apis = [
    "artifactregistry.googleapis.com", # images built from the functions' source
    "cloudbuild.googleapis.com",       # builds the functions
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com", # project IAM
    "cloudscheduler.googleapis.com",       # runs the sweeper
    "cloudtasks.googleapis.com",           # chat timers
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # 2nd gen functions run on Cloud Run
    "secretmanager.googleapis.com",
    "storage.googleapis.com", # function source and media buckets
  ]
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
