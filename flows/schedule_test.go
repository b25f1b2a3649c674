package flows_test

import (
	"strings"
	"testing"
)

// TestScheduleChecks: the cron forms Temporal reads as five fields pass;
// values out of range, six fields, intervals under 1s and time zones that
// are not IANA names (or are paths) are refused at their pointer.
func TestScheduleChecks(t *testing.T) {
	v := newValidator(t)
	doc := func(trigger string) []byte {
		return []byte(`{"name": "s", "trigger": {"type": "schedule", ` + trigger + `}, "steps": [{"id": "a", "type": "noop", "config": {}}]}`)
	}
	for _, ok := range []string{
		`"cron": "0 9 * * 1-5"`, `"cron": "*/15 * * * *"`, `"cron": "0 0 1,15 * *"`, `"cron": "30 8 * JAN-MAR MON-FRI"`,
		`"cron": "0 12 * * sun"`, `"cron": "5/10 * * * 7"`, `"cron": "@daily"`, `"cron": " 0 9 * * * "`,
		`"every": "1s"`, `"every": "15m"`, `"every": "1h", "timezone": "Europe/Paris"`, `"cron": "0 9 * * *", "timezone": "UTC"`,
	} {
		if _, problems, err := v.Validate(doc(ok)); err != nil || problems != nil {
			t.Errorf("%s: %v %v", ok, problems, err)
		}
	}
	for _, bad := range []struct{ trigger, pointer, says string }{
		{`"cron": "60 * * * *"`, "/trigger/cron", `minute field "60"`},
		{`"cron": "0 24 * * *"`, "/trigger/cron", `hour field "24"`},
		{`"cron": "0 0 0 * *"`, "/trigger/cron", `day of month field "0"`},
		{`"cron": "0 0 * 13 *"`, "/trigger/cron", `month field "13"`},
		{`"cron": "0 0 * * 8"`, "/trigger/cron", `day of week field "8"`},
		{`"cron": "0 0 * * 5-1"`, "/trigger/cron", "runs backwards"},
		{`"cron": "*/0 * * * *"`, "/trigger/cron", "step"},
		{`"cron": "0 9 * * ?"`, "/trigger/cron", `day of week field "?"`},
		{`"cron": "0 0 9 * * 1"`, "/trigger/cron", "five fields"},
		{`"cron": "@every"`, "/trigger/cron", `set \"every\" instead`},
		{`"every": "999ms"`, "/trigger/every", "shorter than the minimum of 1s; use a longer one"},
		{`"every": "1h", "timezone": "Local"`, "/trigger/timezone", "IANA"},
		{`"every": "1h", "timezone": "/etc/localtime"`, "/trigger/timezone", "IANA"},
		{`"every": "1h", "timezone": "Europe/../UTC"`, "/trigger/timezone", "IANA"},
	} {
		_, problems, err := v.Validate(doc(bad.trigger))
		if err != nil || len(problems) != 1 || problems[0].Pointer != bad.pointer || !strings.Contains(problems[0].Message, strings.ReplaceAll(bad.says, `\"`, `"`)) {
			t.Errorf("%s: problems %q, want one at %s saying %s", bad.trigger, problems, bad.pointer, bad.says)
		}
	}
}
