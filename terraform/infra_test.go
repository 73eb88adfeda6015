package terraform_test

// These tests keep the code and the infrastructure in step without a cloud, an emulator or a
// network: they read the Go code with go/parser and every .tf file under terraform/ with the
// HCL parser, evaluate what Terraform would (variable defaults, locals, for_each, the module
// calls and dynamic blocks) and compare. Values Terraform only knows after apply (ids, URLs,
// emails) stay unknown here; nothing checked depends on them.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// repoRoot is the module root, seen from this package's directory.
const repoRoot = ".."

// localOnlyEnv are environment variables the code reads that a deployment must not set.
var localOnlyEnv = map[string]string{
	"TWILIO_API_URL":          "rewrites the Twilio API host to reach the local carrier simulator; set in production it would send texts elsewhere",
	"GCP_PROJECT":             "legacy alias of GOOGLE_CLOUD_PROJECT (set by old Cloud Functions runtimes); Terraform sets GOOGLE_CLOUD_PROJECT",
	"FIRESTORE_EMULATOR_HOST": "points the Firestore client at the local emulator (scripts/dev.sh, scripts/test.sh)",
	"SMSDESK_HUBSPOT_API_URL": "points the HubSpot CRM adapter at a local server in tests; deployed, it talks to api.hubapi.com",
	"SMSDESK_LOCAL_TIMERS":    "makes the local runner deliver chat timers in-process instead of through Cloud Tasks (scripts/localrun); deployed, timers go through the queue in SMSDESK_TASKS_QUEUE",
}

func TestInfrastructureMatchesCode(t *testing.T) {
	root := loadTerraform(t)
	fns := deployedFunctions(t, root)
	registered := registeredFunctions(t)

	t.Run("entry points", func(t *testing.T) { checkEntryPoints(t, registered, fns) })
	t.Run("runtime", func(t *testing.T) { checkRuntime(t, fns) })
	t.Run("event wiring", func(t *testing.T) { checkEventWiring(t, root, registered, fns) })
	t.Run("topics", func(t *testing.T) { checkTopics(t, root, fns) })
	t.Run("environment", func(t *testing.T) { checkEnvironment(t, fns) })
	t.Run("firestore indexes", func(t *testing.T) { checkIndexes(t, root) })
}

// TestTerraformFormat runs terraform fmt where Terraform is installed.
func TestTerraformFormat(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH; install it to check formatting")
	}
	cmd := exec.Command(bin, "fmt", "-check", "-recursive", "-diff", ".")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform fmt -check -recursive: %v\n%s\nrun `terraform fmt -recursive` in terraform/", err, out.String())
	}
}

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

// ---- (b) topics --------------------------------------------------------------------------

// topicDefaults finds first(os.Getenv("X_TOPIC"), "default") in shared/config/env.go.
func topicDefaults(t *testing.T) map[string]string {
	t.Helper()
	path := filepath.Join(repoRoot, "shared", "config", "env.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	osName := importName(f, "os")
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "first" {
			return true
		}
		get, ok := call.Args[0].(*ast.CallExpr)
		if !ok || pkgCall(get, osName, "Getenv") == "" || len(get.Args) != 1 {
			return true
		}
		name, ok1 := stringLit(get.Args[0], nil)
		def, ok2 := stringLit(call.Args[1], nil)
		if ok1 && ok2 && strings.HasSuffix(name, "_TOPIC") {
			out[name] = def
		}
		return true
	})
	if len(out) == 0 {
		t.Fatalf("found no first(os.Getenv(\"..._TOPIC\"), \"default\") in %s; this test needs updating", path)
	}
	return out
}

func checkTopics(t *testing.T, root *modInstance, fns []*deployedFn) {
	defaults := topicDefaults(t)
	created := map[string]bool{}
	var names []string
	for _, topic := range root.all("google_pubsub_topic") {
		if n, ok := knownString(topic.attrs["name"]); ok {
			created[n] = true
			names = append(names, n)
		} else {
			t.Errorf("%s (%s): cannot evaluate the topic's name", topic.addr, topic.pos)
		}
	}
	sort.Strings(names)
	type use struct{ env, topic, how string }
	var uses []use
	users := map[use][]string{}
	for _, env := range sortedKeys(defaults) {
		for _, f := range fns {
			u := use{env, defaults[env], "get no " + env + ", so the code uses its default from shared/config/env.go"}
			if v, set := f.env[env]; set {
				s, ok := knownString(v)
				if !ok {
					t.Errorf("%s: cannot evaluate %s", f.addr, env)
					continue
				}
				u = use{env, s, "have " + env + " set to"}
			}
			if created[u.topic] {
				continue
			}
			if users[u] == nil {
				uses = append(uses, u)
			}
			users[u] = append(users[u], f.name)
		}
	}
	for _, u := range uses {
		t.Errorf("functions %v %s: topic %q, which terraform/ does not create (it creates %v); add it to local.topics in terraform/functions.tf and set %s from it in local.common_env", users[u], u.how, u.topic, names, u.env)
	}
}

// ---- (c) environment ---------------------------------------------------------------------

type envRead struct{ name, pos string }

// envReads finds os.Getenv("X") and os.LookupEnv("X") in the non-test code the functions are
// built from: the root package, shared/ and functions/.
func envReads(t *testing.T) []envRead {
	t.Helper()
	var files []string
	root, _ := filepath.Glob(filepath.Join(repoRoot, "*.go"))
	files = append(files, root...)
	for _, dir := range []string{"shared", "functions"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var out []envRead
	fset := token.NewFileSet()
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		osName := importName(f, "os")
		if osName == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || pkgCall(call, osName, "Getenv", "LookupEnv") == "" || len(call.Args) != 1 {
				return true
			}
			name, ok := stringLit(call.Args[0], nil)
			if !ok {
				t.Errorf("%s: environment variable names must be string literals so that this test can check Terraform sets them", relPos(fset, call.Pos()))
			} else if !seen[name] {
				seen[name] = true
				out = append(out, envRead{name, relPos(fset, call.Pos())})
			}
			return true
		})
	}
	return out
}

func checkEnvironment(t *testing.T, fns []*deployedFn) {
	set := map[string][]string{}
	for _, f := range fns {
		for k := range f.env {
			set[k] = append(set[k], f.name)
		}
		for k := range f.secretEnv {
			set[k] = append(set[k], f.name)
		}
	}
	read := map[string]bool{}
	for _, r := range envReads(t) {
		read[r.name] = true
		if reason, ok := localOnlyEnv[r.name]; ok {
			if len(set[r.name]) > 0 {
				t.Errorf("%s is set for %v in terraform/, but it is local-only: %s. Remove it from terraform/functions.tf", r.name, set[r.name], reason)
			}
			continue
		}
		if len(set[r.name]) == 0 {
			t.Errorf("%s reads %s, but no function in terraform/ sets it: add it to local.common_env in terraform/functions.tf (a secret: to local.secret_env there, secrets.tf and the functions' secrets), or, if it is only for local runs, to localOnlyEnv in terraform/infra_test.go with the reason", r.pos, r.name)
		}
	}
	for name := range localOnlyEnv {
		if !read[name] {
			t.Logf("note: %s is in localOnlyEnv but not read by the code the functions are built from", name)
		}
	}
}

// ---- (d) Firestore indexes ---------------------------------------------------------------

type queryFilter struct{ field, op string }
type queryOrder struct{ field, dir string } // dir is ASCENDING or DESCENDING

type storeQuery struct {
	pos        string
	collection string
	filters    []queryFilter
	orders     []queryOrder
}

// storeQueries finds the Firestore queries in shared/store: method chains
// ....Collection(c)...Where(f, op, v)...OrderBy(f, dir)..., with the package's string constants
// resolved.
func storeQueries(t *testing.T) []storeQuery {
	t.Helper()
	dir := filepath.Join(repoRoot, "shared", "store")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	var files []*ast.File
	consts := map[string]string{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := stringLit(vs.Values[i], nil); ok {
							consts[n.Name] = s
						}
					}
				}
			}
		}
	}
	var out []storeQuery
	for _, f := range files {
		// A chain is read from its outermost call; calls that are the receiver of another
		// call are part of that one.
		inner := map[*ast.CallExpr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.CallExpr); ok {
						inner[x] = true
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || inner[call] {
				return true
			}
			chain := flattenChain(call)
			coll := -1
			querying := false
			for i, l := range chain {
				switch l.method {
				case "Collection", "CollectionGroup":
					coll, querying = i, false
				case "Where", "WherePath", "WhereEntity", "OrderBy", "OrderByPath":
					querying = true
				}
			}
			if !querying {
				return true
			}
			pos := relPos(fset, call.Pos())
			if coll < 0 {
				t.Errorf("%s: a query whose collection this test cannot see; write Firestore queries as one chain from .Collection(...) so that their indexes can be checked", pos)
				return true
			}
			q := storeQuery{pos: pos}
			var ok1 bool
			if q.collection, ok1 = stringLit(chain[coll].args[0], consts); !ok1 {
				t.Errorf("%s: the collection name must be a string literal or constant", pos)
				return true
			}
			if chain[coll].method == "CollectionGroup" {
				t.Errorf("%s: collection group queries need COLLECTION_GROUP indexes, which this test does not check yet", pos)
				return true
			}
			for _, l := range chain[coll+1:] {
				switch l.method {
				case "Where":
					field, ok1 := stringLit(l.args[0], consts)
					op, ok2 := stringLit(l.args[1], consts)
					if !ok1 || !ok2 {
						t.Errorf("%s: Where needs a literal or constant field and operator", pos)
						return true
					}
					q.filters = append(q.filters, queryFilter{field, op})
				case "OrderBy":
					field, ok1 := stringLit(l.args[0], consts)
					dir := ""
					if sel, ok := l.args[1].(*ast.SelectorExpr); ok {
						dir = map[string]string{"Asc": "ASCENDING", "Desc": "DESCENDING"}[sel.Sel.Name]
					}
					if !ok1 || dir == "" {
						t.Errorf("%s: OrderBy needs a literal or constant field and firestore.Asc or firestore.Desc", pos)
						return true
					}
					q.orders = append(q.orders, queryOrder{field, dir})
				case "WherePath", "WhereEntity", "OrderByPath":
					t.Errorf("%s: %s is not read by this test; use Where/OrderBy with field names, or teach the test", pos, l.method)
					return true
				}
			}
			out = append(out, q)
			return true
		})
	}
	if len(out) == 0 {
		t.Fatalf("found no Firestore query in %s; this test needs updating", dir)
	}
	return out
}

type chainLink struct {
	method string
	args   []ast.Expr
}

// flattenChain turns a.B(x).C(y).D(z) into [B(x) C(y) D(z)].
func flattenChain(e ast.Expr) []chainLink {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	return append(flattenChain(sel.X), chainLink{sel.Sel.Name, call.Args})
}

// indexNeed is what a composite index must hold to serve a query: the equality fields in any
// order, the array-contains fields, then the order-by fields in order.
type indexNeed struct {
	equal    map[string]bool
	contains map[string]bool
	order    []queryOrder
}

func (q storeQuery) need() (indexNeed, int) {
	n := indexNeed{equal: map[string]bool{}, contains: map[string]bool{}}
	fields := map[string]bool{}
	ordered := map[string]bool{}
	for _, o := range q.orders {
		ordered[o.field] = true
	}
	var inequal []string
	for _, f := range q.filters {
		fields[f.field] = true
		switch f.op {
		case "==", "in":
			if !ordered[f.field] {
				n.equal[f.field] = true
			}
		case "array-contains", "array-contains-any":
			n.contains[f.field] = true
		default: // <, <=, >, >=, !=, not-in
			if !ordered[f.field] {
				inequal = append(inequal, f.field)
			}
		}
	}
	for _, o := range q.orders {
		fields[o.field] = true
		if !n.equal[o.field] {
			n.order = append(n.order, o)
		}
	}
	for _, f := range inequal { // Firestore orders by inequality fields implicitly
		n.order = append(n.order, queryOrder{f, "ASCENDING"})
	}
	return n, len(fields)
}

func (n indexNeed) String() string {
	var parts []string
	for _, f := range sortedKeys(n.equal) {
		parts = append(parts, f+" ==")
	}
	for _, f := range sortedKeys(n.contains) {
		parts = append(parts, f+" array-contains")
	}
	for _, o := range n.order {
		parts = append(parts, "order by "+o.field+" "+o.dir)
	}
	return strings.Join(parts, ", ")
}

func (n indexNeed) hcl(collection string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"google_firestore_index\" \"NAME\" {\n  project    = var.project_id\n  database   = google_firestore_database.default.name\n  collection = %q\n", collection)
	for _, f := range sortedKeys(n.equal) {
		fmt.Fprintf(&b, "  fields {\n    field_path = %q\n    order      = \"ASCENDING\"\n  }\n", f)
	}
	for _, f := range sortedKeys(n.contains) {
		fmt.Fprintf(&b, "  fields {\n    field_path   = %q\n    array_config = \"CONTAINS\"\n  }\n", f)
	}
	for _, o := range n.order {
		fmt.Fprintf(&b, "  fields {\n    field_path = %q\n    order      = %q\n  }\n", o.field, o.dir)
	}
	return b.String() + "}"
}

type indexField struct{ path, order, array string }

// serves reports whether an index with fields serves the need.
func (n indexNeed) serves(fields []indexField) bool {
	var ordered []indexField
	contains := map[string]bool{}
	for _, f := range fields {
		switch {
		case f.path == "__name__":
		case f.array == "CONTAINS":
			contains[f.path] = true
		default:
			ordered = append(ordered, f)
		}
	}
	if len(contains) != len(n.contains) || len(ordered) != len(n.equal)+len(n.order) {
		return false
	}
	for f := range n.contains {
		if !contains[f] {
			return false
		}
	}
	for _, f := range ordered[:len(n.equal)] {
		if !n.equal[f.path] {
			return false
		}
	}
	rest := ordered[len(n.equal):]
	same, reversed := true, true
	for i, o := range n.order {
		if rest[i].path != o.field {
			return false
		}
		same = same && rest[i].order == o.dir
		reversed = reversed && rest[i].order != o.dir && rest[i].order != ""
	}
	return same || reversed
}

func checkIndexes(t *testing.T, root *modInstance) {
	type index struct {
		inst       *instance
		collection string
		fields     []indexField
	}
	var indexes []index
	for _, inst := range root.all("google_firestore_index") {
		coll, ok := knownString(inst.attrs["collection"])
		if !ok {
			t.Errorf("%s (%s): cannot evaluate collection", inst.addr, inst.pos)
			continue
		}
		if scope, ok := knownString(inst.attrs["query_scope"]); ok && scope != "COLLECTION" {
			continue // serves collection group queries only
		}
		ix := index{inst: inst, collection: coll}
		for _, fb := range inst.blocks["fields"] {
			var f indexField
			f.path, _ = knownString(fb.attrs["field_path"])
			f.order, _ = knownString(fb.attrs["order"])
			f.array, _ = knownString(fb.attrs["array_config"])
			ix.fields = append(ix.fields, f)
		}
		indexes = append(indexes, ix)
	}
	used := map[*instance]bool{}
	for _, q := range storeQueries(t) {
		need, fields := q.need()
		if fields < 2 {
			continue // single-field indexes, which Firestore makes by itself
		}
		found := false
		for _, ix := range indexes {
			if ix.collection == q.collection && need.serves(ix.fields) {
				found, used[ix.inst] = true, true
			}
		}
		if !found {
			t.Errorf("%s: the query on %q (%s) needs a composite index that terraform/ does not create; add to terraform/firestore.tf:\n%s", q.pos, q.collection, need, need.hcl(q.collection))
		}
	}
	for _, ix := range indexes {
		if !used[ix.inst] {
			t.Logf("note: %s (%s) serves no query found in shared/store; every index slows writes", ix.inst.addr, ix.inst.pos)
		}
	}
}

// ---- Terraform evaluation ----------------------------------------------------------------

type tfFile struct {
	path string // relative to terraform/
	body *hclsyntax.Body
}

// loadTerraform parses every .tf file under terraform/ and evaluates the root module.
func loadTerraform(t *testing.T) *modInstance {
	t.Helper()
	dirs := map[string][]tfFile{}
	p := hclparse.NewParser()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .terraform, .build
		}
		if d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return nil
		}
		f, diags := p.ParseHCLFile(path)
		if diags.HasErrors() {
			return fmt.Errorf("parse terraform/%s: %s", path, diags.Error())
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		dirs[dir] = append(dirs[dir], tfFile{path: "terraform/" + filepath.ToSlash(path), body: f.Body.(*hclsyntax.Body)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs["."]) == 0 {
		t.Fatal("no .tf files in terraform/")
	}
	return evalModule(t, dirs, ".", "", nil)
}

// instance is one evaluated block: a resource instance or a nested block of one.
type instance struct {
	addr   string
	pos    string
	name   string // resource name, for a resource instance
	key    string // for_each key or count index, "" without
	attrs  map[string]cty.Value
	blocks map[string][]*instance
}

func (i *instance) block(typ string) *instance {
	if bs := i.blocks[typ]; len(bs) > 0 {
		return bs[0]
	}
	return nil
}

type modInstance struct {
	addr      string // "" for the root, else module.NAME["KEY"]
	resources map[string][]*instance
	children  []*modInstance
}

// all returns every instance of a resource type in this module and below.
func (m *modInstance) all(typ string) []*instance {
	out := append([]*instance(nil), m.resources[typ]...)
	for _, c := range m.children {
		out = append(out, c.all(typ)...)
	}
	return out
}

func (m *modInstance) byAddr(addr string) *instance {
	for _, list := range m.resources {
		for _, i := range list {
			if i.addr == addr {
				return i
			}
		}
	}
	for _, c := range m.children {
		if i := c.byAddr(addr); i != nil {
			return i
		}
	}
	return nil
}

var functions = map[string]function.Function{
	"coalesce": stdlib.CoalesceFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
	"flatten": stdlib.FlattenFunc, "format": stdlib.FormatFunc, "keys": stdlib.KeysFunc,
	"length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc,
	"replace": stdlib.ReplaceFunc, "setproduct": stdlib.SetProductFunc, "trimsuffix": stdlib.TrimSuffixFunc,
	"trimprefix": stdlib.TrimPrefixFunc, "values": stdlib.ValuesFunc, "lower": stdlib.LowerFunc,
	"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"try":   tryfunc.TryFunc, "can": tryfunc.CanFunc,
}

// Meta-arguments, which are not values of the block.
var metaArgs = map[string]bool{"for_each": true, "count": true, "depends_on": true, "provider": true, "providers": true, "source": true, "version": true}

// evalModule evaluates a module's variables, locals, resources and module calls as far as
// values are known before apply. Values known only after apply are unknown, except that a
// resource's id and a module's outputs evaluate to markers naming them (e.g.
// `google_pubsub_topic.bus["inbound"]`, `module.function["sender"].uri`), so references can
// be followed.
func evalModule(t *testing.T, dirs map[string][]tfFile, dir, addr string, inputs map[string]cty.Value) *modInstance {
	t.Helper()
	files := dirs[dir]
	if len(files) == 0 {
		t.Fatalf("module %s: no .tf files in terraform/%s", addr, dir)
	}
	vars := map[string]cty.Value{}
	locals := map[string]cty.Value{}
	type located struct {
		file  string
		block *hclsyntax.Block
	}
	var resources, modules []located
	localExprs := map[string]hclsyntax.Expression{}
	for _, f := range files {
		for _, b := range f.body.Blocks {
			switch b.Type {
			case "variable":
				name := b.Labels[0]
				switch v, ok := inputs[name]; {
				case ok:
					vars[name] = v
				case b.Body.Attributes["default"] != nil:
					vars[name], _ = b.Body.Attributes["default"].Expr.Value(nil)
				default:
					vars[name] = cty.StringVal("${var." + name + "}") // required: a placeholder
				}
			case "locals":
				for name, a := range b.Body.Attributes {
					localExprs[name] = a.Expr
				}
			case "resource":
				resources = append(resources, located{f.path, b})
			case "module":
				modules = append(modules, located{f.path, b})
			}
		}
	}
	m := &modInstance{addr: addr}
	prefix := ""
	if addr != "" {
		prefix = addr + "."
	}
	type call struct {
		name, dir string
		keys      []string // nil: no for_each
		inputs    map[string]map[string]cty.Value
	}
	var calls []call
	// Locals, resources and module calls refer to each other in any order: evaluate them
	// until nothing changes (a few rounds suffice for any sane configuration).
	for round := 0; round < 10; round++ {
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
			"var":   objectOrEmpty(vars),
			"local": objectOrEmpty(locals),
			"path":  cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal("."), "root": cty.StringVal("."), "cwd": cty.StringVal(".")}),
			"data":  cty.DynamicVal,
		}, Functions: functions}
		byType := map[string]map[string]cty.Value{}
		for typ, list := range m.resources {
			for _, i := range list {
				name, key := i.name, i.key
				if byType[typ] == nil {
					byType[typ] = map[string]cty.Value{}
				}
				obj := map[string]cty.Value{}
				for k, v := range i.attrs {
					obj[k] = v
				}
				if _, ok := obj["id"]; !ok {
					obj["id"] = cty.StringVal(i.addr)
				}
				if key == "" {
					byType[typ][name] = cty.ObjectVal(obj)
					continue
				}
				prev := map[string]cty.Value{}
				if p, ok := byType[typ][name]; ok && p.Type().IsObjectType() {
					prev = p.AsValueMap()
				}
				prev[key] = cty.ObjectVal(obj)
				byType[typ][name] = cty.ObjectVal(prev)
			}
		}
		for typ, names := range byType {
			ctx.Variables[typ] = cty.ObjectVal(names)
		}
		mods := map[string]cty.Value{}
		for _, c := range calls {
			outputs := moduleOutputs(dirs[c.dir])
			marker := func(key string) cty.Value {
				a := prefix + "module." + c.name
				if key != "" {
					a += "[" + strconv.Quote(key) + "]"
				}
				o := map[string]cty.Value{}
				for _, out := range outputs {
					o[out] = cty.StringVal(a + "." + out)
				}
				return objectOrEmpty(o)
			}
			if c.keys == nil {
				mods[c.name] = marker("")
				continue
			}
			keyed := map[string]cty.Value{}
			for _, k := range c.keys {
				keyed[k] = marker(k)
			}
			mods[c.name] = objectOrEmpty(keyed)
		}
		ctx.Variables["module"] = objectOrEmpty(mods)

		for name, e := range localExprs {
			locals[name], _ = e.Value(ctx)
		}
		m.resources = map[string][]*instance{}
		for _, r := range resources {
			typ, name := r.block.Labels[0], r.block.Labels[1]
			for _, each := range expand(r.block.Body, ctx) {
				i := evalBody(r.block.Body, each.ctx)
				i.addr = prefix + typ + "." + name + each.suffix
				i.name, i.key = name, each.key
				i.pos = fmt.Sprintf("%s:%d", r.file, r.block.TypeRange.Start.Line)
				m.resources[typ] = append(m.resources[typ], i)
			}
		}
		calls = nil
		for _, mb := range modules {
			srcAttr := mb.block.Body.Attributes["source"]
			if srcAttr == nil {
				continue
			}
			src, _ := srcAttr.Expr.Value(nil)
			if !src.IsKnown() || src.Type() != cty.String || !strings.HasPrefix(src.AsString(), "./") {
				continue // only local modules are read
			}
			c := call{name: mb.block.Labels[0], dir: filepath.ToSlash(filepath.Join(dir, src.AsString())), inputs: map[string]map[string]cty.Value{}}
			for _, each := range expand(mb.block.Body, ctx) {
				in := evalBody(mb.block.Body, each.ctx).attrs
				key := ""
				if each.key != "" {
					key = each.key
					c.keys = append(c.keys, key)
				}
				c.inputs[key] = in
			}
			calls = append(calls, c)
		}
	}
	for _, c := range calls {
		for _, key := range sortedKeys(c.inputs) {
			a := prefix + "module." + c.name
			if c.keys != nil {
				a += "[" + strconv.Quote(key) + "]"
			}
			m.children = append(m.children, evalModule(t, dirs, c.dir, a, c.inputs[key]))
		}
	}
	return m
}

func moduleOutputs(files []tfFile) []string {
	var out []string
	for _, f := range files {
		for _, b := range f.body.Blocks {
			if b.Type == "output" {
				out = append(out, b.Labels[0])
			}
		}
	}
	return out
}

type expansion struct {
	key    string // "" without for_each/count
	suffix string // ["key"] or [0]
	ctx    *hcl.EvalContext
}

// expand evaluates a block's for_each or count; an unknown one yields no instances.
func expand(body *hclsyntax.Body, ctx *hcl.EvalContext) []expansion {
	if a := body.Attributes["for_each"]; a != nil {
		v, _ := a.Expr.Value(ctx)
		if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
			return nil
		}
		var out []expansion
		for it := v.ElementIterator(); it.Next(); {
			k, val := it.Element()
			if v.Type().IsSetType() {
				k = val
			}
			if !k.IsKnown() || k.Type() != cty.String {
				continue
			}
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": val})}
			out = append(out, expansion{key: k.AsString(), suffix: "[" + strconv.Quote(k.AsString()) + "]", ctx: child})
		}
		return out
	}
	if a := body.Attributes["count"]; a != nil {
		v, _ := a.Expr.Value(ctx)
		if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
			return nil
		}
		n, _ := v.AsBigFloat().Int64()
		var out []expansion
		for i := int64(0); i < n; i++ {
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})}
			out = append(out, expansion{key: strconv.FormatInt(i, 10), suffix: fmt.Sprintf("[%d]", i), ctx: child})
		}
		return out
	}
	return []expansion{{ctx: ctx}}
}

// evalBody evaluates a block's attributes and nested blocks, expanding dynamic blocks.
func evalBody(body *hclsyntax.Body, ctx *hcl.EvalContext) *instance {
	i := &instance{attrs: map[string]cty.Value{}, blocks: map[string][]*instance{}}
	for name, a := range body.Attributes {
		if metaArgs[name] {
			continue
		}
		i.attrs[name], _ = a.Expr.Value(ctx) // an error leaves the value unknown
	}
	for _, b := range body.Blocks {
		switch b.Type {
		case "lifecycle", "provisioner", "connection":
		case "dynamic":
			label := b.Labels[0]
			iter := label
			if a := b.Body.Attributes["iterator"]; a != nil {
				iter = hcl.ExprAsKeyword(a.Expr)
			}
			var content *hclsyntax.Block
			for _, cb := range b.Body.Blocks {
				if cb.Type == "content" {
					content = cb
				}
			}
			feAttr := b.Body.Attributes["for_each"]
			if content == nil || feAttr == nil {
				continue
			}
			fe, _ := feAttr.Expr.Value(ctx)
			if !fe.IsKnown() || fe.IsNull() || !fe.CanIterateElements() {
				continue
			}
			for it := fe.ElementIterator(); it.Next(); {
				k, v := it.Element()
				child := ctx.NewChild()
				child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				i.blocks[label] = append(i.blocks[label], evalBody(content.Body, child))
			}
		default:
			i.blocks[b.Type] = append(i.blocks[b.Type], evalBody(b.Body, ctx))
		}
	}
	return i
}

// deployedFn is a google_cloudfunctions2_function as Terraform would deploy it.
type deployedFn struct {
	addr, pos  string
	module     string // address of the module instance it is in, "" at the root
	name       string
	entryPoint string
	runtime    string
	env        map[string]cty.Value
	secretEnv  map[string]bool
}

func deployedFunctions(t *testing.T, root *modInstance) []*deployedFn {
	t.Helper()
	var out []*deployedFn
	var walk func(m *modInstance)
	walk = func(m *modInstance) {
		for _, r := range m.resources["google_cloudfunctions2_function"] {
			f := &deployedFn{addr: r.addr, pos: r.pos, module: m.addr, env: map[string]cty.Value{}, secretEnv: map[string]bool{}}
			f.name, _ = knownString(r.attrs["name"])
			if b := r.block("build_config"); b != nil {
				f.entryPoint, _ = knownString(b.attrs["entry_point"])
				f.runtime, _ = knownString(b.attrs["runtime"])
			}
			if s := r.block("service_config"); s != nil {
				switch v, has := s.attrs["environment_variables"]; {
				case !has || (v.IsKnown() && v.IsNull()):
				case v.IsKnown() && v.CanIterateElements():
					for it := v.ElementIterator(); it.Next(); {
						k, val := it.Element()
						f.env[k.AsString()] = val
					}
				default:
					t.Errorf("%s (%s): cannot evaluate service_config.environment_variables", r.addr, r.pos)
				}
				for _, sev := range s.blocks["secret_environment_variables"] {
					if k, ok := knownString(sev.attrs["key"]); ok {
						f.secretEnv[k] = true
					} else {
						t.Errorf("%s (%s): cannot evaluate a secret_environment_variables key", r.addr, r.pos)
					}
				}
			}
			out = append(out, f)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(root)
	if len(out) == 0 {
		t.Fatal("terraform/ deploys no google_cloudfunctions2_function (or its for_each cannot be evaluated)")
	}
	return out
}

// ---- helpers -----------------------------------------------------------------------------

func objectOrEmpty(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

func knownString(v cty.Value) (string, bool) {
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// markerOf returns the resource address an id evaluated to (see evalModule).
func markerOf(v cty.Value) string {
	s, _ := knownString(v)
	return s
}

// importName is the name a file uses for an imported package, "" if it does not import it.
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	return ""
}

// pkgCall returns the function name when call is pkg.Name(...) for one of names.
func pkgCall(call *ast.CallExpr, pkg string, names ...string) string {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != pkg {
		return ""
	}
	for _, n := range names {
		if sel.Sel.Name == n {
			return n
		}
	}
	return ""
}

// stringLit evaluates a string literal or, with consts, a constant's name.
func stringLit(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	}
	return "", false
}

func relPos(fset *token.FileSet, p token.Pos) string {
	pos := fset.Position(p)
	rel, err := filepath.Rel(repoRoot, pos.Filename)
	if err != nil {
		rel = pos.Filename
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(rel), pos.Line)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedRegistered(m map[string]registeredFn) []registeredFn {
	var out []registeredFn
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func addrs(fns []*deployedFn) string {
	var s []string
	for _, f := range fns {
		s = append(s, f.addr)
	}
	return strings.Join(s, ", ")
}

func addrs2(is []*instance) string {
	var s []string
	for _, i := range is {
		s = append(s, i.addr)
	}
	return strings.Join(s, ", ")
}
