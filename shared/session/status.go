package session

// StatusRank orders delivery statuses; a message never moves to a lower rank (-1: not a
// status).
func StatusRank(status string) int {
	switch status {
	case StatusPending, StatusScheduled:
		return 0
	case StatusDispatching:
		return 1
	case "accepted", "scheduled", "queued":
		return 2
	case "sending":
		return 3
	case "sent":
		return 4
	case "delivered", "undelivered", "failed", "canceled":
		return 5
	case "read":
		return 6
	case StatusBlocked, StatusByCarrier:
		return 7
	}
	return -1
}

// Fold moves Status and ErrorCode on to the highest status the carrier reported for the
// message's attempt (Reported; every attempt's while no MessageSid is recorded yet). Status
// callbacks are written there without reading the message, so every read of a message folds
// them in before deciding on or showing its status.
func (e *Entry) Fold() {
	for sid, statuses := range e.Reported {
		if e.MessageSID != "" && sid != e.MessageSID {
			continue // a callback for another attempt of this message
		}
		for status, code := range statuses {
			if StatusRank(status) > StatusRank(e.Status) {
				e.Status, e.ErrorCode = status, code
			}
		}
	}
}
