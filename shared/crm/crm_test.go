package crm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/smsdesk/smsdesk/shared/crm"
)

// fakeCRM is a CRM in memory.
type fakeCRM struct {
	contacts []crm.Contact
	created  int
	findErr  error
}

func (f *fakeCRM) FindContacts(_ context.Context, phone string) ([]crm.Contact, error) {
	if f.findErr != nil {
		return nil, f.findErr
	}
	var out []crm.Contact
	for _, c := range f.contacts {
		if c.Phone == phone {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeCRM) CreateContact(_ context.Context, c crm.Contact) (crm.Contact, error) {
	f.created++
	c.ID = "new" + string(rune('0'+f.created))
	f.contacts = append(f.contacts, c)
	return c, nil
}

func (f *fakeCRM) Post(context.Context, string, crm.Event) error { return nil }

func TestResolve(t *testing.T) {
	ctx := context.Background()
	t.Run("none creates", func(t *testing.T) {
		f := &fakeCRM{contacts: []crm.Contact{{ID: "x", Phone: "+15550000000"}}}
		r, err := crm.Resolve(ctx, f, "+1 (555) 123-4567", "Ada Lovelace")
		if err != nil || r.Contact == nil || !r.Created || r.Ambiguous != nil {
			t.Fatalf("Resolve = %+v, %v; want a created contact", r, err)
		}
		if r.Contact.Phone != "+15551234567" || r.Contact.Name != "Ada Lovelace" || f.created != 1 {
			t.Errorf("created %+v (%d creates), want phone +15551234567 named Ada Lovelace once", *r.Contact, f.created)
		}
	})
	t.Run("one is it", func(t *testing.T) {
		f := &fakeCRM{contacts: []crm.Contact{{ID: "a", Phone: "+15551234567", Name: "Ada"}}}
		r, err := crm.Resolve(ctx, f, "+15551234567", "Someone")
		if err != nil || r.Contact == nil || r.Contact.ID != "a" || r.Created || f.created != 0 {
			t.Fatalf("Resolve = %+v, %v (%d creates); want contact a", r, err, f.created)
		}
	})
	t.Run("several are ambiguous", func(t *testing.T) {
		f := &fakeCRM{contacts: []crm.Contact{{ID: "a", Phone: "+15551234567"}, {ID: "b", Phone: "+15551234567"}}}
		r, err := crm.Resolve(ctx, f, "+15551234567", "")
		if err != nil || r.Contact != nil || len(r.Ambiguous) != 2 || f.created != 0 {
			t.Fatalf("Resolve = %+v, %v (%d creates); want both contacts ambiguous", r, err, f.created)
		}
	})
	t.Run("bad phone is permanent", func(t *testing.T) {
		_, err := crm.Resolve(ctx, &fakeCRM{}, "5551234567", "")
		if !errors.Is(err, crm.ErrPermanent) {
			t.Fatalf("Resolve of a national number = %v; want ErrPermanent", err)
		}
	})
	t.Run("CRM down is not permanent", func(t *testing.T) {
		_, err := crm.Resolve(ctx, &fakeCRM{findErr: errors.New("503")}, "+15551234567", "")
		if err == nil || errors.Is(err, crm.ErrPermanent) {
			t.Fatalf("Resolve with the CRM down = %v; want a retryable error", err)
		}
	})
}

func TestAdaptersFor(t *testing.T) {
	def, byNum, byLOB := &fakeCRM{}, &fakeCRM{}, &fakeCRM{}
	a := crm.Adapters{Default: def, ByNumber: map[string]crm.CRM{"+15550001111": byNum},
		ByLineOfBusiness: map[string]crm.CRM{"sales": byLOB}}
	for _, c := range []struct {
		number, lob string
		want        crm.CRM
	}{
		{"+15550001111", "sales", byNum},
		{"+15550002222", "sales", byLOB},
		{"+15550002222", "support", def},
	} {
		if got := a.For(c.number, c.lob); got != c.want {
			t.Errorf("For(%s, %s) chose the wrong adapter", c.number, c.lob)
		}
	}
	if (crm.Adapters{}).For("+15550001111", "") != nil {
		t.Error("zero Adapters chose an adapter")
	}
}

func TestMemoryLedger(t *testing.T) {
	var l crm.MemoryLedger
	ctx := context.Background()
	if seen, _ := l.Seen(ctx, "k"); seen {
		t.Fatal("fresh ledger has seen k")
	}
	if err := l.Mark(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if seen, _ := l.Seen(ctx, "k"); !seen {
		t.Fatal("marked k not seen")
	}
}

func TestEventConsumerCount(t *testing.T) {
	e := crm.Event{ConsumerMessages: 1, Transcript: []crm.Line{
		{Author: crm.AuthorSystem}, {Author: crm.AuthorConsumer}, {Author: crm.AuthorAgent}, {Author: crm.AuthorConsumer},
	}}
	if n := e.ConsumerCount(); n != 2 {
		t.Errorf("ConsumerCount = %d, want 2", n)
	}
}
