package terraform_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// ---- (d) Firestore indexes ---------------------------------------------------------------

type queryFilter struct{ field, op string }
type queryOrder struct{ field, dir string } // dir is ASCENDING or DESCENDING

type storeQuery struct {
	pos        string
	collection string
	// group is set for a collection group query (collection is the group's id).
	group   bool
	filters []queryFilter
	orders  []queryOrder
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
			q.group = chain[coll].method == "CollectionGroup"
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
					if sel, ok := l.args[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "DocumentID" {
						continue // every index ends in the document's name, in the last order's direction
					}
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
		if q.group {
			checkGroupIndex(t, root, q, fields)
			continue
		}
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

// checkGroupIndex checks that a collection group query on one field has its single-field
// index with collection group scope (Firestore makes collection-scoped ones by itself only).
func checkGroupIndex(t *testing.T, root *modInstance, q storeQuery, fields int) {
	t.Helper()
	if fields != 1 {
		t.Errorf("%s: collection group queries on more than one field need COLLECTION_GROUP composite indexes, which this test does not check yet", q.pos)
		return
	}
	field := ""
	for _, f := range q.filters {
		field = f.field
	}
	for _, o := range q.orders {
		field = o.field
	}
	for _, inst := range root.all("google_firestore_field") {
		coll, _ := knownString(inst.attrs["collection"])
		f, _ := knownString(inst.attrs["field"])
		if coll != q.collection || f != field {
			continue
		}
		for _, ic := range inst.blocks["index_config"] {
			for _, ix := range ic.blocks["indexes"] {
				if scope, _ := knownString(ix.attrs["query_scope"]); scope == "COLLECTION_GROUP" {
					return
				}
			}
		}
	}
	t.Errorf("%s: the collection group query on %q (%s) needs its field's index with COLLECTION_GROUP scope; add to terraform/firestore.tf a google_firestore_field for collection %q, field %q with index_config { indexes { order = \"ASCENDING\" query_scope = \"COLLECTION_GROUP\" } }", q.pos, q.collection, field, q.collection, field)
}
