-- Each organisation's catalogue of stop reasons (the codes its machines send as a state's reason) with the category
-- each belongs to among the six big losses, and how short a stop is a minor stop.
CREATE TABLE stop_reasons (
    org_slug   text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    code       text NOT NULL,
    name       text NOT NULL,
    category   text NOT NULL CHECK (category IN ('breakdown', 'setup', 'material', 'operator', 'quality', 'other')),
    PRIMARY KEY (org_slug, code)
);

ALTER TABLE organisations ADD COLUMN minor_stop_seconds integer NOT NULL DEFAULT 120
    CHECK (minor_stop_seconds BETWEEN 1 AND 120);
