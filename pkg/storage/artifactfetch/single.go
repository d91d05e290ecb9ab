package artifactfetch

import (
	"context"
	"net/url"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// single is one store for every namespace.
type single struct{ s artifactstore.Store }

func (s single) For(context.Context, string) (artifactstore.Store, error) { return s.s, nil }

// PullURI downloads uri to dest with store (nil for none): what the pull
// init container of a Model's pods runs (`ml-apiserver artifact pull
// --uri URI --path DIR`), with the store of the namespace's Secret. An
// https:// source needs no store; openStore is called only for the others.
func PullURI(ctx context.Context, uri, dest string, openStore func() (artifactstore.Store, error)) error {
	f := &Fetcher{}
	if u, err := url.Parse(uri); err != nil || u.Scheme != "https" {
		store, err := openStore()
		if err != nil {
			return err
		}
		f.Stores = single{store}
	}
	return f.Pull(ctx, "", uri, dest)
}
