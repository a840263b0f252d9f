-- An e-mail address names one user within an organisation, not across them: another organisation's users stay
-- invisible (creating a user no longer answers "already exists" for an address used elsewhere), and one person may
-- have an account in several organisations. Login finds the account by address and password (AuthRoutes).
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_org_email_key ON users (org_slug, lower(email));
CREATE INDEX users_email_idx ON users (lower(email));
