// Package patchops makes a refused JSON patch (RFC 6902) say which of its
// operations is at fault. k8s.io/apiserver applies a JSON patch as a whole
// and answers 422 "the server rejected our request due to an error in our
// request" with the patch library's error as the only cause, which names
// neither the operation nor its index.
//
// WithOperationErrors is a handler filter for the PATCH requests of one API
// group whose content type is application/json-patch+json. Before the
// request runs it checks each operation on its own (a known op, a path,
// a value or from where the op needs one) and answers 422 naming every
// malformed operation. An operation that is well formed but fails against
// the object (a failing test, a path the object does not have) can only be
// found from the object: when the patch handler answers that 422, the
// filter reads the object as the request saw it (a GET through the same
// handler, by the same user) and applies the operations one by one, and
// the answer names the first that fails. If the object changed meanwhile
// and no operation fails any more, the original answer is kept: the status
// code never changes, only the message gets more precise.
package patchops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// genericPatchMessage is the message k8s.io/apiserver gives the 422 of a
// JSON patch that does not apply.
const genericPatchMessage = "the server rejected our request due to an error in our request"

// ops are the operations of RFC 6902 and what each needs besides its path.
var ops = map[string]string{
	"add": "value", "replace": "value", "test": "value",
	"remove": "",
	"move":   "from", "copy": "from",
}

// WithOperationErrors wraps handler, the API handler of the server, so
// that a refused JSON patch on a path under prefix (such as
// "/apis/ml.example.io/") names its failing operation. maxBodyBytes is the
// server's request body limit: a larger patch is left to the patch
// handler, which refuses it.
func WithOperationErrors(handler http.Handler, prefix string, maxBodyBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPatch || !strings.HasPrefix(req.URL.Path, prefix) || !isJSONPatch(req) {
			handler.ServeHTTP(w, req)
			return
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, maxBodyBytes+1))
		if err != nil || int64(len(body)) > maxBodyBytes {
			// Let the patch handler read (and refuse) the whole body.
			req.Body = readCloser{io.MultiReader(bytes.NewReader(body), req.Body), req.Body}
			handler.ServeHTTP(w, req)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var raw []map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			handler.ServeHTTP(w, req) // not a list of objects: the handler answers 400
			return
		}
		if msgs := malformed(raw); len(msgs) > 0 {
			writeInvalid(w, req, msgs)
			return
		}
		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		handler.ServeHTTP(rec, req)
		if rec.code == http.StatusUnprocessableEntity {
			if msg, ok := diagnose(req, handler, rec.body.Bytes(), raw); ok {
				writeInvalid(w, req, []string{msg})
				return
			}
		}
		rec.replay(w)
	})
}

// isJSONPatch says whether the request body is a JSON patch.
func isJSONPatch(req *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	return err == nil && mediaType == string(types.JSONPatchType)
}

// describe names operation i as the messages do: index, op and path.
func describe(i int, op map[string]json.RawMessage) string {
	var kind, path string
	_ = json.Unmarshal(op["op"], &kind)
	_ = json.Unmarshal(op["path"], &path)
	return fmt.Sprintf("json patch operation %d (%s)", i, strings.TrimSpace(kind+" "+path))
}

// malformed checks each operation on its own and says what is wrong with
// each that could never apply.
func malformed(raw []map[string]json.RawMessage) []string {
	var msgs []string
	for i, op := range raw {
		var kind string
		if err := json.Unmarshal(op["op"], &kind); err != nil || kind == "" {
			msgs = append(msgs, fmt.Sprintf("%s: \"op\" is required and must be a string: one of add, remove, replace, move, copy, test", describe(i, op)))
			continue
		}
		needs, known := ops[kind]
		if !known {
			msgs = append(msgs, fmt.Sprintf("%s: unknown op %q: must be one of add, remove, replace, move, copy, test", describe(i, op), kind))
			continue
		}
		if msg := pointerError(op, "path"); msg != "" {
			msgs = append(msgs, fmt.Sprintf("%s: %s", describe(i, op), msg))
		}
		switch needs {
		case "value":
			if _, ok := op["value"]; !ok {
				msgs = append(msgs, fmt.Sprintf("%s: %q needs a \"value\"", describe(i, op), kind))
			}
		case "from":
			if msg := pointerError(op, "from"); msg != "" {
				msgs = append(msgs, fmt.Sprintf("%s: %s", describe(i, op), msg))
			}
		}
	}
	return msgs
}

// pointerError says what is wrong with the JSON pointer in member key of
// op, "" if nothing.
func pointerError(op map[string]json.RawMessage, key string) string {
	v, ok := op[key]
	if !ok {
		return fmt.Sprintf("%q is required", key)
	}
	var p string
	if json.Unmarshal(v, &p) != nil {
		return fmt.Sprintf("%q must be a string", key)
	}
	if p != "" && !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("%q %q must be a JSON pointer: empty or starting with /", key, p)
	}
	return ""
}

// diagnose finds the first operation that fails against the object, when
// the answer is the patch handler's 422 for a patch that does not apply.
func diagnose(req *http.Request, handler http.Handler, answer []byte, raw []map[string]json.RawMessage) (string, bool) {
	if status, ok := decodeStatus(answer); !ok || status.Message != genericPatchMessage {
		return "", false
	}
	doc, err := current(req, handler)
	if err != nil {
		klog.FromContext(req.Context()).V(4).Info("Cannot read the patched object to name the failing operation", "path", req.URL.Path, "err", err)
		return "", false
	}
	for i, op := range raw {
		one, err := json.Marshal([]map[string]json.RawMessage{op})
		if err != nil {
			return "", false
		}
		patch, err := jsonpatch.DecodePatch(one)
		if err != nil {
			return fmt.Sprintf("%s: %v", describe(i, op), err), true
		}
		if doc, err = patch.Apply(doc); err != nil {
			return fmt.Sprintf("%s: %v", describe(i, op), err), true
		}
	}
	return "", false
}

// decodeStatus decodes the handler's answer in the encoding the client
// asked for: protobuf (the generated clientset's default) or JSON.
func decodeStatus(answer []byte) (*metav1.Status, bool) {
	status := &metav1.Status{}
	if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(answer, nil, status); err == nil {
		return status, true
	}
	status = &metav1.Status{}
	return status, json.Unmarshal(answer, status) == nil
}

// current reads the object the patch applies to, as JSON: a GET of the same
// path through handler, in the request's context (same user, already
// authorized to patch it).
func current(req *http.Request, handler http.Handler) ([]byte, error) {
	ctx := req.Context()
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok {
		get := *info
		get.Verb = "get"
		ctx = genericapirequest.WithRequestInfo(ctx, &get)
	}
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL.Path, nil)
	if err != nil {
		return nil, err
	}
	get.Header.Set("Accept", "application/json")
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	handler.ServeHTTP(rec, get)
	if rec.code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", req.URL.Path, rec.code)
	}
	return rec.body.Bytes(), nil
}

// writeInvalid answers 422 Invalid with msgs, one cause each.
func writeInvalid(w http.ResponseWriter, req *http.Request, msgs []string) {
	status := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusUnprocessableEntity,
		Reason:   metav1.StatusReasonInvalid,
		Message:  strings.Join(msgs, "; "),
		Details:  &metav1.StatusDetails{},
	}
	if info, ok := genericapirequest.RequestInfoFrom(req.Context()); ok {
		status.Details = &metav1.StatusDetails{Group: info.APIGroup, Kind: info.Resource, Name: info.Name}
	}
	for _, m := range msgs {
		status.Details.Causes = append(status.Details.Causes, metav1.StatusCause{Type: metav1.CauseTypeFieldValueInvalid, Message: m})
	}
	body, err := json.Marshal(status)
	if err != nil {
		http.Error(w, apierrors.NewInternalError(err).Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnprocessableEntity)
	_, _ = w.Write(body)
}

// recorder keeps a response to look at before it is sent.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// replay sends the recorded response to w.
func (r *recorder) replay(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code)
	_, _ = w.Write(r.body.Bytes())
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
