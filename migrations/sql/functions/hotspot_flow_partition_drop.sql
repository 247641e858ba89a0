-- The current definition of hotspot_flow_partition_drop: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_flow_partition_drop(p_table text, p_day date)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF p_table NOT IN ('flows', 'dns_names') THEN
        RAISE EXCEPTION 'not a partitioned table of the flow log: %', p_table;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I', p_table || '_' || to_char(p_day, 'YYYYMMDD'));
END
$$;
