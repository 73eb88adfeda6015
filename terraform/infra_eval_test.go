package terraform_test

import (
	"fmt"
	"io/fs"
	"path/filepath"
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
	// maxInstances × concurrency is how many requests it serves at once.
	maxInstances, concurrency cty.Value
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
				f.maxInstances, f.concurrency = s.attrs["max_instance_count"], s.attrs["max_instance_request_concurrency"]
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
