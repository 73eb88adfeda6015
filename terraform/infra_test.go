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
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// repoRoot is the module root, seen from this package's directory.
const repoRoot = ".."

// localOnlyEnv are environment variables the code reads that a deployment must not set.
var localOnlyEnv = map[string]string{
	"TWILIO_API_URL":              "rewrites the Twilio API host to reach the local carrier simulator; set in production it would send texts elsewhere",
	"GCP_PROJECT":                 "legacy alias of GOOGLE_CLOUD_PROJECT (set by old Cloud Functions runtimes); Terraform sets GOOGLE_CLOUD_PROJECT",
	"FIRESTORE_EMULATOR_HOST":     "points the Firestore client at the local emulator (scripts/dev.sh, scripts/test.sh)",
	"SMSDESK_HUBSPOT_API_URL":     "points the HubSpot CRM adapter at a local server in tests; deployed, it talks to api.hubapi.com",
	"SMSDESK_LOCAL_TIMERS":        "makes the local runner deliver chat timers in-process instead of through Cloud Tasks (scripts/localrun); deployed, timers go through the queue in SMSDESK_TASKS_QUEUE",
	"SMSDESK_LOCAL_ORDERING_KEYS": "folds Pub/Sub ordering keys into a few for the emulator, which keeps a busy thread per key (scripts/localrun); deployed, every chat keeps its own key",
	"PUBSUB_EMULATOR_HOST":        "points the Pub/Sub client at the local emulator (scripts/dev.sh, scripts/test.sh); read by the test helper shared/internal/emulatortest",
	"CI":                          "set by CI (cloudbuild.yaml's test step) so that a test finding no emulator fails instead of skipping; read only by the test helper shared/internal/emulatortest",
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
	t.Run("local delivery concurrency", func(t *testing.T) { checkLocalConcurrency(t, registered, fns) })
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

// TestExampleVariables: terraform.tfvars.example shows every variable, so an operator reading
// it sees every setting there is.
func TestExampleVariables(t *testing.T) {
	vars, err := os.ReadFile("variables.tf")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("terraform.tfvars.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^variable "([a-z0-9_]+)"`).FindAllSubmatch(vars, -1) {
		if !regexp.MustCompile(`(?m)^#? *` + string(m[1]) + ` += `).Match(example) {
			t.Errorf("variable %s is not in terraform.tfvars.example: add it there with its default", m[1])
		}
	}
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
