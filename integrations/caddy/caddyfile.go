package caddy

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/graphql"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("fieldwall", parseCaddyfile)
	// The directive runs after request_body, so that its max_size applies
	// before fieldwall reads the body. It runs before redir, rewrites,
	// authentication and every handler that responds, so that nothing
	// reaches the application uninspected. Users need no "order" option.
	httpcaddyfile.RegisterDirectiveOrder("fieldwall", httpcaddyfile.After, "request_body")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	handler := new(Handler)
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return handler, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	fieldwall [<matcher>] {
//	    mode            block|detect
//	    paranoia        <1-4>
//	    threshold       <score>
//	    max_body_bytes  <bytes>
//	    max_depth       <levels>
//	    max_fields      <count>
//	    max_key_bytes   <bytes>
//	    max_value_bytes <bytes>
//	    max_parts       <count>
//	    max_number_bytes <bytes>
//	    fail_open
//	    oversized_body  block|inspect-prefix
//	    block_status    <400-599>
//	    disable_rules   <rule id>...
//	    headers         <header name>...
//	    rule_file       <path>
//	    exclude {
//	        path    <URL path pattern>
//	        field   <location:path pattern>
//	        rules   <rule id>...
//	        classes <class>...
//	    }
//	    graphql {
//	        endpoints   <path suffix>...
//	        max_depth   <levels>
//	        allow_introspection
//	        <any key of the JSON "graphql" object> <value>...
//	    }
//	}
//
// Every subdirective is optional, and fieldwall alone blocks with the
// defaults. rule_file and exclude may be repeated; disable_rules and headers
// add to what earlier lines listed. Inside graphql, a list key takes its
// values as arguments, a number key one integer, and a switch no argument
// (true) or one of true and false.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		var err error
		switch d.Val() {
		case "mode":
			err = oneArg(d, &h.Mode)
		case "oversized_body":
			err = oneArg(d, &h.OversizedBody)
		case "rule_file":
			var name string
			if err = oneArg(d, &name); err == nil {
				h.RuleFiles = append(h.RuleFiles, name)
			}
		case "paranoia":
			err = intArg(d, &h.Paranoia)
		case "threshold":
			err = intArg(d, &h.Threshold)
		case "block_status":
			err = intArg(d, &h.BlockStatus)
		case "max_body_bytes":
			err = intArg(d, &h.Limits.MaxBodyBytes)
		case "max_depth":
			err = intArg(d, &h.Limits.MaxDepth)
		case "max_fields":
			err = intArg(d, &h.Limits.MaxFields)
		case "max_key_bytes":
			err = intArg(d, &h.Limits.MaxKeyBytes)
		case "max_value_bytes":
			err = intArg(d, &h.Limits.MaxValueBytes)
		case "max_parts":
			err = intArg(d, &h.Limits.MaxParts)
		case "max_number_bytes":
			err = intArg(d, &h.Limits.MaxNumberBytes)
		case "fail_open":
			h.FailOpen = true
			if d.NextArg() {
				return d.ArgErr()
			}
		case "graphql":
			err = h.unmarshalGraphQL(d)
		case "disable_rules":
			err = argList(d, &h.DisabledRules)
		case "headers":
			err = argList(d, &h.Headers)
		case "exclude":
			err = h.unmarshalExclusion(d)
		default:
			err = d.Errf("unrecognized fieldwall subdirective %q", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unmarshalExclusion reads one exclude block.
func (h *Handler) unmarshalExclusion(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	var x engine.Exclusion
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "path":
			err = oneArg(d, &x.Path)
		case "field":
			err = oneArg(d, &x.Field)
		case "rules":
			err = argList(d, &x.Rules)
		case "classes":
			err = argList(d, &x.Classes)
		default:
			err = d.Errf("unrecognized exclude subdirective %q: use path, field, rules or classes", d.Val())
		}
		if err != nil {
			return err
		}
	}
	if x.Path == "" && x.Field == "" && len(x.Rules) == 0 && len(x.Classes) == 0 {
		return d.Err("empty exclude block would switch off every rule everywhere: give path, field, rules or classes")
	}
	h.Exclusions = append(h.Exclusions, x)
	return nil
}

// unmarshalGraphQL reads the graphql block into h.GraphQL. Keys are the JSON
// names of graphql.Options, found by reflection so that every option the
// engine gains is available without a change here.
func (h *Handler) unmarshalGraphQL(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	if h.GraphQL == nil {
		h.GraphQL = new(graphql.Options)
	}
	options := reflect.ValueOf(h.GraphQL).Elem()
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		field, ok := graphqlOptionField(options, key)
		if !ok {
			return d.Errf("unrecognized graphql subdirective %q: use a key of the JSON graphql object, such as endpoints or max_depth", key)
		}
		switch field.Kind() {
		case reflect.Slice:
			var list []string
			if err := argList(d, &list); err != nil {
				return err
			}
			field.Set(reflect.ValueOf(list))
		case reflect.Bool:
			value := true
			if d.NextArg() {
				switch d.Val() {
				case "true":
				case "false":
					value = false
				default:
					return d.Errf("invalid %s %q: use true or false, or no value for true", key, d.Val())
				}
				if d.NextArg() {
					return d.ArgErr()
				}
			}
			field.SetBool(value)
		case reflect.Int:
			var n int
			if err := intArg(d, &n); err != nil {
				return err
			}
			field.SetInt(int64(n))
		default:
			return d.Errf("graphql %s cannot be set from a Caddyfile: use the JSON config", key)
		}
	}
	return nil
}

// graphqlOptionField returns the field of options whose JSON name is key.
func graphqlOptionField(options reflect.Value, key string) (reflect.Value, bool) {
	t := options.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == key && name != "" && name != "-" {
			return options.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func oneArg(d *caddyfile.Dispenser, target *string) error {
	if !d.AllArgs(target) {
		return d.ArgErr()
	}
	return nil
}

func intArg(d *caddyfile.Dispenser, target *int) error {
	name := d.Val()
	var text string
	if !d.AllArgs(&text) {
		return d.ArgErr()
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return d.Errf("invalid %s %q: use a non-negative integer", name, text)
	}
	*target = n
	return nil
}

func argList(d *caddyfile.Dispenser, target *[]string) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	*target = append(*target, args...)
	return nil
}
