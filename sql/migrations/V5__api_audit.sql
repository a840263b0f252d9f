-- Every write through the API, with who, what and the request id that is also in the logs.

CREATE TABLE api_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    request_id  text NOT NULL,
    org_slug    text,
    user_id     uuid,
    method      text NOT NULL,
    path        text NOT NULL,
    status      integer NOT NULL,
    entity      text,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX api_audit_org_at_idx ON api_audit (org_slug, at DESC);
