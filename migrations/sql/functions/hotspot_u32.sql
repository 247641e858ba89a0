-- The current definition of hotspot_u32: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_u32(p text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p ~ '^[0-9]{1,10}$'
                THEN nullif(least(p::bigint, 4294967296), 4294967296) END
$$;
