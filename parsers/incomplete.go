package parsers

// Incomplete reports whether the anomaly means that part of the request was
// not inspected: a limit cut it off, or it could not be parsed into fields
// and was only scanned as raw text.
func (c AnomalyCode) Incomplete() bool {
	switch c {
	case AnomalyMalformedJSON, AnomalyMalformedMultipart, AnomalyBodyLimit, AnomalyDepthLimit,
		AnomalyFieldLimit, AnomalyKeyLength, AnomalyValueLength,
		AnomalyGraphQLParseError, AnomalyGraphQLDocumentSize, AnomalyGraphQLTokenLimit, AnomalyGraphQLInvalidUTF8:
		return true
	}
	return false
}
