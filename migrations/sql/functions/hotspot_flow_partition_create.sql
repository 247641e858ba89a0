-- The current definition of hotspot_flow_partition_create: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_flow_partition_create(p_table text, p_day date)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_column text := CASE p_table WHEN 'flows' THEN 'timestamp_start'
                                  WHEN 'dns_names' THEN 'seen_at' END;
    v_name text := p_table || '_' || to_char(p_day, 'YYYYMMDD');
BEGIN
    IF v_column IS NULL THEN
        RAISE EXCEPTION 'not a partitioned table of the flow log: %', p_table;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', v_name, p_table);
    -- What the default partition holds of that day moves in first.
    EXECUTE format(
        'WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved',
        p_table || '_default', v_column, p_day, v_column, p_day + 1, v_name);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   p_table, v_name, p_day, p_day + 1);
END
$$;
