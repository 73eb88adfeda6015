# Firestore: the (default) database the functions use (firestore.NewClient with the project),
# the composite indexes of the queries in shared/store, and a TTL policy on webhook receipts.
# terraform/infra_test.go finds those queries and fails when one lacks its index here.

resource "google_firestore_database" "default" {
  project     = var.project_id
  name        = "(default)"
  location_id = var.firestore_location != "" ? var.firestore_location : var.region
  type        = "FIRESTORE_NATIVE"

  concurrency_mode        = "PESSIMISTIC" # transactions lock what they read (DESIGN.md)
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"

  depends_on = [google_project_service.apis]
}

# store.QueuedChats: state == "queued", queueId in [...], order by priority desc, queuedAt asc.
resource "google_firestore_index" "sessions_queued" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "queueId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "priority"
    order      = "DESCENDING"
  }
  fields {
    field_path = "queuedAt"
    order      = "ASCENDING"
  }
}

# store.WaitingAhead (a wait estimate's place in line): state == "queued", queueId ==, count of
# queueRank < (session.QueueRank: the higher priorities, then the earlier queued).
resource "google_firestore_index" "sessions_queued_rank" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "queueId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "queueRank"
    order      = "ASCENDING"
  }
}

# store.AgentChats: state == "assigned", agentId ==, order by assignedAt asc.
resource "google_firestore_index" "sessions_by_agent" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "agentId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "assignedAt"
    order      = "ASCENDING"
  }
}

# store.UnattendedChats for admins: state == "ended", agentId == "", endedAt < t, order by
# endedAt desc.
resource "google_firestore_index" "sessions_unattended" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "agentId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "endedAt"
    order      = "DESCENDING"
  }
}

# store.UnattendedChats for supervisors: the same on their lines (lineOfBusiness in [...]).
resource "google_firestore_index" "sessions_unattended_by_line" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "agentId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "lineOfBusiness"
    order      = "ASCENDING"
  }
  fields {
    field_path = "endedAt"
    order      = "DESCENDING"
  }
}

# store.AvailableAgents: status == "available", servesQueues array-contains queue.
resource "google_firestore_index" "agents_available" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "agents"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path   = "servesQueues"
    array_config = "CONTAINS"
  }
}

# store.IdlestAgents (assignment): hasRoom == true, status == "available", servesQueues
# array-contains queue, order by idleSince, then the document id (pages; every index ends in it).
resource "google_firestore_index" "agents_with_room_by_idle" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "agents"

  fields {
    field_path = "hasRoom"
    order      = "ASCENDING"
  }
  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path   = "servesQueues"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "idleSince"
    order      = "ASCENDING"
  }
}

# store.AgentsWithRoom (a wait estimate's free capacity): status == "available", servesQueues
# array-contains queue, hasRoom == true.
resource "google_firestore_index" "agents_with_room" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "agents"

  fields {
    field_path = "hasRoom"
    order      = "ASCENDING"
  }
  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path   = "servesQueues"
    array_config = "CONTAINS"
  }
}

# store.Supervisors: role == "supervisor", servesQueues array-contains queue.
resource "google_firestore_index" "agents_by_role" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "agents"

  fields {
    field_path = "role"
    order      = "ASCENDING"
  }
  fields {
    field_path   = "servesQueues"
    array_config = "CONTAINS"
  }
}

# Receipts the inbound webhook wrote before it left deduplication to the conversation's
# transaction carry expireAt; the policy lets Firestore delete the last of them. Parked texts
# (inboundParked, the fallback webhook's) have no TTL: the sweeper publishes and deletes them.
resource "google_firestore_field" "inbound_receipts_ttl" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "inboundReceipts"
  field      = "expireAt"

  ttl_config {}
}

# Console sessions (shared/store/consolesessions.go) carry expiresAt; Authenticate refuses an
# expired one at once, and the policy lets Firestore delete it later.
resource "google_firestore_field" "console_sessions_ttl" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "consoleSessions"
  field      = "expiresAt"

  ttl_config {}
}

# The follow-ups of a change that sends ride on its last message (followups.at) until the
# sender claims it; the sweeper's relay finds those left behind across every chat's transcript
# and every consumer's stand-alone messages, with collection group queries.
resource "google_firestore_field" "transcript_followups_at" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "transcript"
  field      = "followups.at"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

resource "google_firestore_field" "messages_followups_at" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "followups.at"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

# The sweeper asks the carrier for the status of messages whose final status never arrived
# (recheckAt, set while a message the carrier took is not final; shared/store/unsettled.go).
resource "google_firestore_field" "transcript_recheck_at" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "transcript"
  field      = "recheckAt"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

resource "google_firestore_field" "messages_recheck_at" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "recheckAt"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

# Live monitoring (shared/store/monitor.go).
# store.LiveChats for supervisors: lineOfBusiness ==, state in [menu, queued, assigned].
resource "google_firestore_index" "sessions_live_by_line" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "lineOfBusiness"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
}

# store.OfferedChats: state == "queued", offer.agentId == (the chats offered to an agent).
resource "google_firestore_index" "sessions_offered" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "offer.agentId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
}

# store.EndedSince for supervisors: lineOfBusiness ==, endedAt >= midnight, order by endedAt desc.
resource "google_firestore_index" "sessions_ended_by_line" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "sessions"

  fields {
    field_path = "lineOfBusiness"
    order      = "ASCENDING"
  }
  fields {
    field_path = "endedAt"
    order      = "DESCENDING"
  }
}

# store.MissedOffersSince (a count per agent, at >= midnight) and store.MissedOffers: an
# agent's missed offers by time (agentId ==, at range).
resource "google_firestore_index" "missed_offers_by_agent" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "missedOffers"

  fields {
    field_path = "agentId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "at"
    order      = "ASCENDING"
  }
}

# store.ScheduledAfter: stand-alone messages due later, across every consumer's messages.
resource "google_firestore_field" "messages_not_before" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "notBefore"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

# Reports read a kind of rollup (queue, agent, line of business) over a range of UTC days.
resource "google_firestore_index" "rollups_by_kind_day" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "rollups"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "day"
    order      = "ASCENDING"
  }
}

# store.EachAcceptedText (the recount): stand-alone texts the carrier accepted over a range,
# across every consumer's messages.
resource "google_firestore_field" "messages_accepted_at" {
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "acceptedAt"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}
