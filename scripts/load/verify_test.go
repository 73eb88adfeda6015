package main

import "testing"

func TestCountFindsLostDuplicatedAndDisordered(t *testing.T) {
	want := []string{"a0", "a1", "a2"}
	for _, tc := range []struct {
		name                  string
		got                   []string
		lost, dup, outOfOrder int
	}{
		{"all once in order, among system texts", []string{"Welcome", "a0", "a1", "Ended", "a2"}, 0, 0, 0},
		{"one missing", []string{"a0", "a2"}, 1, 0, 0},
		{"one twice", []string{"a0", "a1", "a1", "a2"}, 0, 1, 0},
		{"one overtaken", []string{"a1", "a0", "a2"}, 0, 0, 1},
		{"nothing", nil, 3, 0, 0},
	} {
		lost, dup, disorder := count(tc.got, want)
		if lost != tc.lost || dup != tc.dup || disorder != tc.outOfOrder {
			t.Errorf("%s: lost %d, duplicated %d, out of order %d; want %d, %d, %d", tc.name, lost, dup, disorder, tc.lost, tc.dup, tc.outOfOrder)
		}
	}
}

func TestCatalogIsValid(t *testing.T) {
	c := catalog(3, 10)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Agents) != 3 || c.Agents[0].Token != token(c.Agents[0].ID) {
		t.Errorf("agents %+v", c.Agents)
	}
}
