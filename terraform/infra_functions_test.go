package terraform_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// ---- (a) entry points --------------------------------------------------------------------

type registeredFn struct {
	name, kind string // kind is "HTTP" or "CloudEvent"
	pos        string
}

// registeredFunctions finds functions.HTTP("name", ...) and functions.CloudEvent("name", ...) in
// entrypoints.go.
func registeredFunctions(t *testing.T) map[string]registeredFn {
	t.Helper()
	path := filepath.Join(repoRoot, "entrypoints.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	alias := importName(f, "github.com/GoogleCloudPlatform/functions-framework-go/functions")
	out := map[string]registeredFn{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || alias == "" {
			return true
		}
		kind := pkgCall(call, alias, "HTTP", "CloudEvent")
		if kind == "" || len(call.Args) == 0 {
			return true
		}
		name, ok := stringLit(call.Args[0], nil)
		if !ok {
			t.Errorf("%s: the function name must be a string literal so that Terraform can be checked against it", relPos(fset, call.Pos()))
			return true
		}
		out[name] = registeredFn{name: name, kind: kind, pos: relPos(fset, call.Pos())}
		return true
	})
	if len(out) == 0 {
		t.Fatalf("found no functions.HTTP or functions.CloudEvent registration in %s; this test needs updating", path)
	}
	return out
}

func checkEntryPoints(t *testing.T, registered map[string]registeredFn, fns []*deployedFn) {
	byEntry := map[string][]*deployedFn{}
	for _, f := range fns {
		if f.entryPoint == "" || f.name == "" {
			t.Errorf("%s (%s): cannot evaluate the function's name or build_config.entry_point; give them values Terraform knows before apply", f.addr, f.pos)
			continue
		}
		byEntry[f.entryPoint] = append(byEntry[f.entryPoint], f)
		if _, ok := registered[f.entryPoint]; !ok {
			t.Errorf("%s (%s) has entry point %q, which entrypoints.go does not register: remove it from local.functions in terraform/functions.tf, or register it in entrypoints.go", f.addr, f.pos, f.entryPoint)
		}
		if f.name != f.entryPoint {
			t.Errorf("%s (%s) is named %q but its entry point is %q: the code expects every function at SMSDESK_PUBLIC_URL/<entry point>, so the names must be equal", f.addr, f.pos, f.name, f.entryPoint)
		}
	}
	for _, r := range sortedRegistered(registered) {
		switch n := len(byEntry[r.name]); {
		case n == 0:
			t.Errorf("%s registers the %s function %q, but no google_cloudfunctions2_function in terraform/ has that entry point: add %q to local.functions in terraform/functions.tf (topic = null for an HTTP function, the key of the topic it consumes for a CloudEvent function)", r.pos, r.kind, r.name, r.name)
		case n > 1:
			t.Errorf("entry point %q is deployed %d times (%s); deploy each once", r.name, n, addrs(byEntry[r.name]))
		}
	}
}

func checkRuntime(t *testing.T, fns []*deployedFn) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	want := "go" + string(m[1]) + string(m[2])
	for _, f := range fns {
		if f.runtime != want {
			t.Errorf("%s (%s) uses runtime %q but go.mod says go %s.%s: set build_config.runtime to %q (terraform/modules/function/variables.tf, variable \"runtime\")", f.addr, f.pos, f.runtime, m[1], m[2], want)
		}
	}
}

// checkEventWiring requires every CloudEvent function, and no HTTP function, to be fed by an
// ordered, authenticated push subscription that dead-letters what it cannot deliver.
func checkEventWiring(t *testing.T, root *modInstance, registered map[string]registeredFn, fns []*deployedFn) {
	subs := root.all("google_pubsub_subscription")
	pushedTo := map[string][]*instance{}
	for _, s := range subs {
		pc := s.block("push_config")
		if pc == nil {
			continue
		}
		endpoint, ok := knownString(pc.attrs["push_endpoint"])
		if !ok {
			t.Errorf("%s (%s): cannot evaluate push_config.push_endpoint", s.addr, s.pos)
			continue
		}
		var target *deployedFn
		for _, f := range fns {
			if f.module != "" && (strings.HasPrefix(endpoint, f.module+".uri") || strings.HasPrefix(endpoint, f.module+".url")) {
				target = f
			}
		}
		if target == nil {
			t.Errorf("%s (%s) pushes to %q, which is not a function of module \"function\"; build the endpoint from module.function[...].uri", s.addr, s.pos, endpoint)
			continue
		}
		pushedTo[target.entryPoint] = append(pushedTo[target.entryPoint], s)

		topic := root.byAddr(markerOf(s.attrs["topic"]))
		topicName := ""
		if topic != nil {
			topicName, _ = knownString(topic.attrs["name"])
		}
		if topicName == "" {
			t.Errorf("%s (%s): its topic is not a google_pubsub_topic of this configuration", s.addr, s.pos)
		} else if !strings.Contains(endpoint, "/projects/") || !strings.HasSuffix(endpoint, "/topics/"+topicName) {
			t.Errorf("%s (%s) pushes to %q: the path must be /projects/PROJECT/topics/%s, from which the Functions Framework makes the CloudEvent (as scripts/localrun does)", s.addr, s.pos, endpoint, topicName)
		}
		if v := s.attrs["enable_message_ordering"]; !v.IsKnown() || v.IsNull() || v.Type() != cty.Bool || !v.True() {
			t.Errorf("%s (%s) must set enable_message_ordering = true: shared/bus publishes each chat's messages with one ordering key", s.addr, s.pos)
		}
		if pc.block("oidc_token") == nil {
			t.Errorf("%s (%s) must push with an oidc_token: the event functions are not public", s.addr, s.pos)
		}
		dl := s.block("dead_letter_policy")
		if dl == nil {
			t.Errorf("%s (%s) has no dead_letter_policy: a message that always fails would be retried until it expires and then lost", s.addr, s.pos)
			continue
		}
		checkDeliveryPolicy(t, s, dl)
		dlTopic := markerOf(dl.attrs["dead_letter_topic"])
		drained := false
		for _, other := range subs {
			if markerOf(other.attrs["topic"]) == dlTopic && dlTopic != "" {
				drained = true
			}
		}
		if !drained {
			t.Errorf("%s (%s): its dead-letter topic %s has no subscription, so dead letters are dropped; add a pull subscription to it in terraform/pubsub.tf", s.addr, s.pos, dlTopic)
		}
	}
	for _, r := range sortedRegistered(registered) {
		n := len(pushedTo[r.name])
		switch {
		case r.kind == "CloudEvent" && n == 0:
			t.Errorf("%s registers %q as a CloudEvent function, but no push subscription delivers to it: give it a topic in local.functions (terraform/functions.tf); pubsub.tf then subscribes it", r.pos, r.name)
		case r.kind == "CloudEvent" && n > 1:
			t.Errorf("%q gets %d push subscriptions (%s); one topic per event function is what the code expects", r.name, n, addrs2(pushedTo[r.name]))
		case r.kind == "HTTP" && n > 0:
			t.Errorf("%s registers %q as an HTTP function, but %s pushes Pub/Sub messages to it: set topic = null for it in local.functions, or register it with functions.CloudEvent", r.pos, r.name, addrs2(pushedTo[r.name]))
		}
	}
}
