-- The current definition of hotspot_fit: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_fit(p text, n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(p) <= n THEN p
                ELSE left(p, n - 33) || '~' || md5(p) END
$$;
