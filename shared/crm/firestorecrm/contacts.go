package firestorecrm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/phone"
)

func (c *CRM) contacts() *firestore.CollectionRef { return c.fs.Collection(colContacts) }

// FindContacts returns the contacts with the phone number, oldest first.
func (c *CRM) FindContacts(ctx context.Context, phone string) ([]crm.Contact, error) {
	docs, err := c.contacts().Where("phone", "==", phone).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: find contacts with phone %s: %w", phone, err)
	}
	type found struct {
		crm.Contact
		at time.Time
	}
	var all []found
	for _, d := range docs {
		var cd contactDoc
		if err := d.DataTo(&cd); err != nil {
			return nil, fmt.Errorf("firestorecrm: contact %s: %w", d.Ref.ID, err)
		}
		all = append(all, found{contactOf(d.Ref.ID, cd), cd.CreatedAt})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([]crm.Contact, len(all))
	for i, f := range all {
		out[i] = f.Contact
	}
	return out, nil
}

func contactOf(id string, d contactDoc) crm.Contact {
	return crm.Contact{ID: id, Phone: d.Phone, Name: d.Name, Email: d.Email}
}

// CreateContact creates a contact. Its phone must have a leading + and is stored in E.164 form.
func (c *CRM) CreateContact(ctx context.Context, ct crm.Contact) (crm.Contact, error) {
	e164, err := phone.Normalize(ct.Phone, "")
	if err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: create contact: %w: %w", crm.ErrPermanent, err)
	}
	ct.Phone = e164
	now := c.now().UTC()
	ref := c.contacts().NewDoc()
	if _, err := ref.Create(ctx, contactDoc{Phone: ct.Phone, Name: ct.Name, Email: ct.Email, CreatedAt: now, UpdatedAt: now}); err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: create contact with phone %s: %w", ct.Phone, err)
	}
	ct.ID = ref.ID
	return ct, nil
}

// Contact returns one contact, for the contacts API.
func (c *CRM) Contact(ctx context.Context, id string) (crm.Contact, error) {
	if err := checkID("contact", id); err != nil {
		return crm.Contact{}, err
	}
	snap, err := c.contacts().Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, err)
	}
	var cd contactDoc
	if err := snap.DataTo(&cd); err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, err)
	}
	return contactOf(id, cd), nil
}

// UpdateContact replaces a contact's phone, name and email, for the contacts API. The phone
// must be E.164 (phone.Normalize first).
func (c *CRM) UpdateContact(ctx context.Context, ct crm.Contact) error {
	if err := checkID("contact", ct.ID); err != nil {
		return err
	}
	e164, err := phone.Normalize(ct.Phone, "")
	if err != nil {
		return fmt.Errorf("firestorecrm: update contact %s: %w: %w", ct.ID, crm.ErrPermanent, err)
	}
	_, err = c.contacts().Doc(ct.ID).Update(ctx, []firestore.Update{
		{Path: "phone", Value: e164}, {Path: "name", Value: ct.Name}, {Path: "email", Value: ct.Email},
		{Path: "updatedAt", Value: c.now().UTC()},
	})
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("firestorecrm: update contact %s: %w", ct.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("firestorecrm: update contact %s: %w", ct.ID, err)
	}
	return nil
}

// Records returns a contact's records, the most recent first.
func (c *CRM) Records(ctx context.Context, contactID string) ([]Record, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	docs, err := c.contacts().Doc(contactID).Collection(subRecords).OrderBy("lastEventAt", firestore.Desc).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: records of contact %s: %w", contactID, err)
	}
	out := make([]Record, 0, len(docs))
	for _, d := range docs {
		r, err := recordOf(d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Events returns the events of a record in time order.
func (c *CRM) Events(ctx context.Context, contactID, recordID string) ([]StoredEvent, error) {
	if err := errors.Join(checkID("contact", contactID), checkID("record", recordID)); err != nil {
		return nil, err
	}
	docs, err := c.contacts().Doc(contactID).Collection(subRecords).Doc(recordID).Collection(subEvents).
		OrderBy("at", firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: events of record %s of contact %s: %w", recordID, contactID, err)
	}
	out := make([]StoredEvent, 0, len(docs))
	for _, d := range docs {
		var e StoredEvent
		if err := d.DataTo(&e); err != nil {
			return nil, fmt.Errorf("firestorecrm: event %s: %w", d.Ref.ID, err)
		}
		e.ID = d.Ref.ID
		out = append(out, e)
	}
	return out, nil
}

// CloseRecord closes a record, so that no new chat appends to it.
func (c *CRM) CloseRecord(ctx context.Context, contactID, recordID string) error {
	if err := errors.Join(checkID("contact", contactID), checkID("record", recordID)); err != nil {
		return err
	}
	_, err := c.contacts().Doc(contactID).Collection(subRecords).Doc(recordID).Update(ctx, []firestore.Update{
		{Path: "open", Value: false}, {Path: "closedAt", Value: c.now().UTC()},
	})
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("firestorecrm: close record %s of contact %s: %w", recordID, contactID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("firestorecrm: close record %s of contact %s: %w", recordID, contactID, err)
	}
	return nil
}

func recordOf(d *firestore.DocumentSnapshot) (Record, error) {
	var r Record
	if err := d.DataTo(&r); err != nil {
		return Record{}, fmt.Errorf("firestorecrm: record %s: %w", d.Ref.ID, err)
	}
	r.ID = d.Ref.ID
	return r, nil
}
