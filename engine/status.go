package engine

// Run statuses: the one vocabulary of the API, the run ledger and the
// engine. The API reports the first six; accepted (recorded, not yet
// claimed by a batch) reads as running, and handed_off (went on in a
// workflow of its own) as whatever that workflow reports.
const (
	StatusRunning    = "running"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
	StatusCanceled   = "canceled"
	StatusTerminated = "terminated"
	StatusTimedOut   = "timed_out"
	StatusAccepted   = "accepted"
	StatusHandedOff  = "handed_off"
)
