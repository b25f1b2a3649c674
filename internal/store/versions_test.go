package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestPublishVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		f, err := s.CreateFlow(ctx, "F", []byte(`{"draft":0}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}
		if vs, err := s.ListVersions(ctx, f.ID); err != nil || len(vs) != 0 {
			t.Fatalf("ListVersions before publish = %+v, %v", vs, err)
		}
		if _, err := s.LatestVersion(ctx, f.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("LatestVersion before publish: %v, want ErrNotFound", err)
		}

		doc1 := []byte(`{"doc":1}`)
		v1, pf, err := s.Publish(ctx, f.ID, doc1)
		if err != nil {
			t.Fatalf("Publish 1: %v", err)
		}
		if v1.FlowID != f.ID || v1.Version != 1 || string(v1.Document) != string(doc1) || v1.CreatedAt.IsZero() {
			t.Fatalf("Publish 1 version = %+v", v1)
		}
		if pf.PublishedVersion == nil || *pf.PublishedVersion != 1 || !pf.Enabled {
			t.Fatalf("Publish 1 flow = %+v", pf)
		}
		if string(pf.Draft) != `{"draft":0}` {
			t.Fatalf("Publish changed the draft: %s", pf.Draft)
		}

		// Editing the draft and publishing again adds v2 and leaves v1 as it was.
		if _, err := s.UpdateDraft(ctx, f.ID, "F", []byte(`{"draft":1}`)); err != nil {
			t.Fatalf("UpdateDraft: %v", err)
		}
		if _, err := s.SetEnabled(ctx, f.ID, false); err != nil {
			t.Fatalf("SetEnabled: %v", err)
		}
		doc2 := []byte(`{"doc":2}`)
		v2, pf, err := s.Publish(ctx, f.ID, doc2)
		if err != nil {
			t.Fatalf("Publish 2: %v", err)
		}
		if v2.Version != 2 || string(v2.Document) != string(doc2) {
			t.Fatalf("Publish 2 version = %+v", v2)
		}
		if *pf.PublishedVersion != 2 || !pf.Enabled {
			t.Fatalf("Publish 2 did not re-enable or advance: %+v", pf)
		}

		got1, err := s.GetVersion(ctx, f.ID, 1)
		if err != nil {
			t.Fatalf("GetVersion 1: %v", err)
		}
		if string(got1.Document) != string(doc1) || !got1.CreatedAt.Equal(v1.CreatedAt) {
			t.Fatalf("v1 changed: %+v, want %+v", got1, v1)
		}
		latest, err := s.LatestVersion(ctx, f.ID)
		if err != nil || latest.Version != 2 || string(latest.Document) != string(doc2) {
			t.Fatalf("LatestVersion = %+v, %v", latest, err)
		}
		if _, err := s.GetVersion(ctx, f.ID, 3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetVersion 3: %v, want ErrNotFound", err)
		}
		vs, err := s.ListVersions(ctx, f.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 ||
			string(vs[0].Document) != string(doc1) {
			t.Fatalf("ListVersions = %+v, %v", vs, err)
		}

		// Versions belong to one flow: another flow starts at 1.
		g, err := s.CreateFlow(ctx, "G", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow G: %v", err)
		}
		if gv, _, err := s.Publish(ctx, g.ID, []byte(`{}`)); err != nil || gv.Version != 1 {
			t.Fatalf("Publish G = %+v, %v", gv, err)
		}

		// Deleting a flow deletes its versions, not other flows' versions.
		if err := s.DeleteFlow(ctx, f.ID); err != nil {
			t.Fatalf("DeleteFlow: %v", err)
		}
		var left int64
		if err := s.db.WithContext(ctx).Model(&FlowVersion{}).Where("flow_id = ?", f.ID).Count(&left).Error; err != nil || left != 0 {
			t.Fatalf("versions left after delete: %d, %v", left, err)
		}
		if _, err := s.GetVersion(ctx, f.ID, 1); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetVersion after delete: %v, want ErrNotFound", err)
		}
		if gv, err := s.GetVersion(ctx, g.ID, 1); err != nil || gv.FlowID != g.ID {
			t.Fatalf("other flow's version after delete = %+v, %v", gv, err)
		}
	})
}

func TestConcurrentPublish(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		// A second store on the same database stands for a second process:
		// with SQLite its publishes contend for the file lock, not for the
		// first store's single connection.
		other := openStore(t, databaseURL)
		f, err := s.CreateFlow(ctx, "F", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}

		const publishers = 8
		type result struct {
			version int
			doc     string
			err     error
		}
		results := make(chan result, publishers)
		start := make(chan struct{})
		for i := range publishers {
			go func() {
				<-start
				doc := fmt.Sprintf(`{"publisher":%d}`, i)
				via := s
				if i%2 == 1 {
					via = other
				}
				v, _, err := via.Publish(ctx, f.ID, []byte(doc))
				if err != nil {
					results <- result{err: err}
					return
				}
				results <- result{version: v.Version, doc: doc}
			}()
		}
		close(start)

		var versions []int
		docs := map[int]string{}
		for range publishers {
			r := <-results
			if r.err != nil {
				t.Errorf("Publish: %v", r.err)
				continue
			}
			versions = append(versions, r.version)
			docs[r.version] = r.doc
		}
		slices.Sort(versions)
		want := []int{1, 2, 3, 4, 5, 6, 7, 8}
		if !slices.Equal(versions, want) {
			t.Fatalf("published versions %v, want %v", versions, want)
		}

		vs, err := s.ListVersions(ctx, f.ID)
		if err != nil || len(vs) != publishers {
			t.Fatalf("ListVersions = %d versions, %v; want %d", len(vs), err, publishers)
		}
		for i, v := range vs {
			if v.Version != i+1 || string(v.Document) != docs[v.Version] {
				t.Errorf("version %d = %d %s, want %s", i+1, v.Version, v.Document, docs[v.Version])
			}
		}
		got, err := s.GetFlow(ctx, f.ID)
		if err != nil || got.PublishedVersion == nil || *got.PublishedVersion != publishers || !got.Enabled {
			t.Fatalf("flow after concurrent publishes = %+v, %v", got, err)
		}
	})
}
