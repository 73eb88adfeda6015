package terraform_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

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
