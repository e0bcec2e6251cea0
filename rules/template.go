package rules

import "strings"

// templateOpeners and the closers that end their expressions, for the
// template engines that APIs feed user text into: Jinja2, Twig, Handlebars
// ({{ }}, {% %}), Spring EL, FreeMarker, Mako, JSP EL (${ }), Ruby and JSF
// (#{ }), Thymeleaf (*{ }, @{ }), ERB and JSP (<% %>), FreeMarker (<# >,
// [# ]) and Smarty ({$ }).
var templateOpeners = []struct{ open, close string }{
	{"{{", "}}"}, {"{%", "%}"}, {"${", "}"}, {"#{", "}"}, {"*{", "}"}, {"@{", "}"},
	{"<%", "%>"}, {"<#", ">"}, {"[#", "]"}, {"[[", "]]"}, {"@(", ")"}, {"{$", "}"},
}

// templateMarkers are expression parts that template injection needs and that
// placeholders such as {{first_name}} or ${user.id} never contain.
var templateMarkers = []string{
	"__", "getclass", "forname", "runtime", ".exec(", "system(", "popen", "import", "eval(",
	"self.", "config", "request", "application", "lipsum", "cycler", "joiner", "namespace",
	"getenv", "processbuilder", "scriptengine", "new ", "t(java", "t (java", "|attr", "|join",
	"os.", "subprocess", "globals", "builtins", "mro", "subclasses", "freemarker", "assign",
	"class.", ".class", "@java", "invoke", "getruntime", "file.read", "include", "range(",
	"smarty", "dump(", "filter(", "map(", "sort(", "reduce(", "constructor", "prototype",
}

// confirmTemplateExpression accepts a template expression that computes
// (7*7), reaches into objects (__class__, getClass()) or calls into the
// runtime. Plain placeholders pass.
func confirmTemplateExpression(in *Input) bool {
	s := in.Lower
	if strings.HasPrefix(s, "#set(") || strings.Contains(s, "#set ($") || strings.Contains(s, "#foreach") {
		return true // Velocity directives
	}
	for _, d := range templateOpeners {
		for i := 0; ; {
			j := strings.Index(s[i:], d.open)
			if j < 0 {
				break
			}
			start := i + j + len(d.open)
			end := strings.Index(s[start:], d.close)
			if end < 0 {
				// Unclosed: the rest of the value is the expression, and
				// no later opener can be closed either, so one check
				// keeps the scan linear.
				if isTemplateAttack(s[start:]) {
					return true
				}
				break
			}
			if isTemplateAttack(s[start : start+end]) {
				return true
			}
			i = start + end
		}
	}
	return false
}

func isTemplateAttack(expr string) bool {
	if hasArithmetic(expr) || hasMethodCall(expr) || strings.TrimSpace(expr) == "self" {
		return true
	}
	for _, m := range templateMarkers {
		if strings.Contains(expr, m) {
			return true
		}
	}
	return false
}

// hasArithmetic reports whether expr multiplies, divides, adds or subtracts
// literals, as probes like {{7*7}} and ${7*'7'} do.
func hasArithmetic(expr string) bool {
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c != '*' && c != '/' && c != '+' && c != '-' && c != '%' {
			continue
		}
		left := strings.TrimRight(expr[:i], " ")
		right := strings.TrimLeft(expr[i+1:], " ")
		if left == "" || right == "" {
			continue
		}
		if isLiteralEnd(left[len(left)-1]) && isLiteralStart(right[0]) {
			return true
		}
	}
	return false
}

func isLiteralEnd(c byte) bool   { return '0' <= c && c <= '9' || c == '\'' || c == '"' || c == ')' }
func isLiteralStart(c byte) bool { return '0' <= c && c <= '9' || c == '\'' || c == '"' || c == '(' }

// hasMethodCall reports whether expr calls a method on a value, as in
// {{'a'.toUpperCase()}}: placeholders name values, they do not call them.
func hasMethodCall(expr string) bool {
	for i := strings.IndexByte(expr, '('); i > 0; {
		j := i - 1
		for j >= 0 && (isLowerAlnum(expr[j]) || expr[j] == '_') {
			j--
		}
		if j >= 0 && j < i-1 && expr[j] == '.' {
			return true
		}
		next := strings.IndexByte(expr[i+1:], '(')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}
