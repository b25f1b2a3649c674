// Package batch carries many runs of one flow in one Temporal workflow
// execution, FlowBatch, so that a run costs one signal, a marker per step
// attempt and a ledger row instead of a workflow execution of its own.
// The run service (engine.Service) decides which runs come here; this
// package is what happens to them. The concepts, in the order a run meets
// them:
//
// Lanes. A flow has engine.BatchOptions.Lanes batch executions per window;
// a run handed over alone goes to the lane its run id hashes to
// (engine.Runs.Enqueue), and runs of one flow recorded together go
// together to the lane of the first of them (engine.Runs.EnqueueMany), in
// one signal. Lanes spread one flow's runs over workers; a batch's claim,
// not its lane, keeps a run from running twice.
//
// Windows and grace. Each execution takes the runs whose trigger arrived
// in one window (BatchOptions.Window, 1 s), its workflow id naming flow,
// window start and lane (engine.BatchWorkflowID). It stays open Grace
// (2 s) past its window for late arrivals, then finishes its runs and
// completes; a run arriving later starts the same workflow id again.
// Executions so stay small and end by themselves instead of continuing as
// new, which Temporal refuses while signals keep arriving.
//
// The per-execution cap and history budget. Past RunsPerExecution (2,000)
// runs, or once its history passes 10,000 events or 8 MB (historyFull),
// an execution hands further runs to workflows of their own, so a batch
// stays inside Temporal's limits whatever the flow's steps and responses.
//
// Arrival. Runs arrive in signals after the run service recorded them in
// the ledger as accepted: engine.BatchRunsSignal ("runs") carries every
// run that reached the run service together (its group commit, see
// engine.Service.Start), each pinned version's document once and each
// trigger packed (engine.PackTrigger); engine.BatchRuns.Inputs gives back
// each run's input as its steps see it. Executions recorded before it got
// one run per engine.BatchRunSignal ("run"), still handled. Either way the
// runs queue alike, so the commands that follow are the same.
//
// Claims and claim tokens. The batch claims the runs it was
// sent (engine.BatchLedger.Claim, a local activity): only accepted runs are
// taken, so a repeated signal or a run another batch took runs nothing.
// The claim's token names the execution by its original run id and a
// counter, so a claim replayed after a crash or reset takes the same runs
// again. Outcomes are recorded (Finish) only for runs still held under
// their token, so a lost batch can never overwrite a run's later fate.
//
// Running a run. Each claimed run goes through the engine's one step loop
// (engine.StepRun renders each step's input and takes in its outcome), one
// attempt per step, each a local activity whose marker summary names the
// run and the step. The workflow's own coroutine drives every run
// (runner, drive.go): the batch's selector waits on the steps' futures and
// each one's end starts the run's next step. The SDK resumes every live
// coroutine whenever anything happens, so a coroutine per run (executions
// begun before "batch-one-coroutine") cost work in proportion to the runs
// in flight at every event.
//
// The task budget. Temporal refuses a workflow task's answer past 4 MB,
// and a batch task's answer holds a marker per step it ran. Before a step
// starts, taskBudget holds what its outcome may reach; when the task holds
// 1.5 MiB, steps wait for a short timer that ends the task, and a step
// whose outcome outgrows what it held takes its run to its own workflow.
//
// The completion timer. Temporal refuses to complete an execution while
// signals wait, and a refused workflow task loses its local activities'
// results. So once its window has passed and nothing is in flight, the
// batch ends the task with a 1 ms timer ("record the steps before
// completing"), and only completes in a task that ran no step.
//
// Hand-off and resume. A step that needs another attempt (a retryable
// failure), or whose recorded outcome is too large for a shared history,
// takes its run to a FlowRun workflow of its own (started through a local
// activity and the client, not as a child, so a batch may hand off any
// number). Its input carries engine.Resume: the steps done, their outputs,
// the attempts made and the delay before the next one; it keeps the run's
// idempotency keys. The ledger records the run as handed off, and the run
// service reads it from Temporal from then on.
//
// The attempt memo. A workflow task that fails or times out is retried
// and would run its local activities again; the worker remembers each
// local attempt's outcome for 10 minutes (engine's attemptMemo) and
// answers the retry from it, so no request is sent twice short of a
// crash. A batch completes only in a task that ran no step, after every
// earlier task was recorded, so its worker then forgets the batch's
// outcomes at once (forgetOnCompletion). After a crash a step is sent
// again with the same Idempotency-Key.
//
// Findability. At most once a second of workflow time (listEvery; at
// every workflow task in executions recorded before it), the first time a
// second after it began (findable 4: a listed search attribute is written
// again with the mutable state at every signal and task, and a batch takes
// in most of its runs in its first second), and once more before it
// completes, the batch upserts the run ids and trigger ids it
// claimed into the FlowlineRunIds and FlowlineTriggerIds search
// attributes (up to about 1.8 KB of each): each upsert is a visibility
// write of the whole list. It keeps its current details at "<n> runs of
// flow <name>", and returns a BatchResult listing each run and its
// outcome.
//
// The sweep. Sweeper, run by the process that serves the API, hands over
// again runs still accepted a minute after they were recorded (their
// request died between recording and signalling; a second signal is
// harmless), gives back the runs of executions that ended without
// finishing them (or records them handed off when their own workflow
// exists), and prunes ledger entries past the namespace's retention.
package batch
