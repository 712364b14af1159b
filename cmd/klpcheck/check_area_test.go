package main

// The area statuses as the JSON document spells them (check.StatusOK, ...),
// untyped so that the tests compare them with decoded strings and
// check.Status alike.
const (
	areaOK      = "ok"
	areaFail    = "fail"
	areaSkipped = "skipped"
)
