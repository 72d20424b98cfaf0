package cleanroomtest

import (
	"strings"
)

// token is a word or symbol of a SQL text at the top level or inside
// parentheses (depth), with its byte offsets.
type token struct {
	text       string // lower-cased for words
	start, end int
	depth      int
	word       bool
}

// tokens splits SQL into words and symbols, skipping string literals,
// quoted identifiers (kept as words, unquoted) and comments.
func tokens(sql string) []token {
	var out []token
	depth := 0
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 4
			}
		case c == '\'':
			j := i + 1
			for j < len(sql) {
				if sql[j] == '\'' {
					if j+1 < len(sql) && sql[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, token{text: "'", start: i, end: min(j+1, len(sql)), depth: depth})
			i = j + 1
		case c == '"' || c == '`':
			j := strings.IndexByte(sql[i+1:], c)
			end := len(sql)
			if j >= 0 {
				end = i + 1 + j
			}
			out = append(out, token{text: strings.ToLower(sql[i+1 : end]), start: i, end: min(end+1, len(sql)), depth: depth, word: true})
			i = end + 1
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			out = append(out, token{text: strings.ToLower(sql[i:j]), start: i, end: j, depth: depth, word: true})
			i = j
		case c == '(':
			out = append(out, token{text: "(", start: i, end: i + 1, depth: depth})
			depth++
			i++
		case c == ')':
			depth--
			out = append(out, token{text: ")", start: i, end: i + 1, depth: depth})
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			out = append(out, token{text: string(c), start: i, end: i + 1, depth: depth})
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// words is the set of words a SQL text names (table and column names,
// keywords), lower-cased.
func words(sql string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tokens(sql) {
		if t.word {
			out[t.text] = true
		}
	}
	return out
}
