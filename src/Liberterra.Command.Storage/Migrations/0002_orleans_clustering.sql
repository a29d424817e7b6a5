-- Orleans ADO.NET clustering (membership protocol), matching the queries of Microsoft.Orleans.Clustering.AdoNet 10.4.2.
-- The provider binds parameters and reads columns by name; the names below are that contract.
CREATE TABLE IF NOT EXISTS orleansmembershipversiontable
(
    deploymentid varchar(150)   NOT NULL,
    timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT pk_orleansmembershipversiontable_deploymentid PRIMARY KEY (deploymentid)
);

CREATE TABLE IF NOT EXISTS orleansmembershiptable
(
    deploymentid varchar(150)   NOT NULL,
    address      varchar(45)    NOT NULL,
    port         integer        NOT NULL,
    generation   integer        NOT NULL,
    siloname     varchar(150)   NOT NULL,
    hostname     varchar(150)   NOT NULL,
    status       integer        NOT NULL,
    proxyport    integer        NULL,
    suspecttimes varchar(8000)  NULL,
    starttime    timestamptz(3) NOT NULL,
    iamalivetime timestamptz(3) NOT NULL,
    CONSTRAINT pk_membershiptable_deploymentid PRIMARY KEY (deploymentid, address, port, generation),
    CONSTRAINT fk_membershiptable_membershipversiontable_deploymentid
        FOREIGN KEY (deploymentid) REFERENCES orleansmembershipversiontable (deploymentid)
);

-- Returns 1 when a version row was created, 0 when it already existed.
CREATE OR REPLACE FUNCTION liberterra_insert_membership_version(deployment_id varchar)
    RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS
$$
DECLARE affected integer;
BEGIN
    INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (deployment_id)
    ON CONFLICT (deploymentid) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN QUERY SELECT affected;
END
$$;

-- Inserts a silo row and bumps the table version, both or neither (optimistic on the version).
CREATE OR REPLACE FUNCTION liberterra_insert_membership(
    deployment_id varchar, address_arg varchar, port_arg integer, generation_arg integer, silo_name varchar,
    host_name varchar, status_arg integer, proxy_port integer, start_time timestamptz, i_am_alive_time timestamptz,
    version_arg integer)
    RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS
$$
DECLARE affected integer;
BEGIN
    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (deployment_id, address_arg, port_arg, generation_arg, silo_name, host_name, status_arg, proxy_port, start_time, i_am_alive_time)
    ON CONFLICT (deploymentid, address, port, generation) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE orleansmembershipversiontable
    SET timestamp = now(), version = version + 1
    WHERE deploymentid = deployment_id AND version = version_arg;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = 'membership version changed';
    END IF;
    RETURN QUERY SELECT 1;
EXCEPTION WHEN serialization_failure THEN
    RETURN QUERY SELECT 0;
END
$$;

-- Updates a silo row and bumps the table version, both or neither.
CREATE OR REPLACE FUNCTION liberterra_update_membership(
    deployment_id varchar, address_arg varchar, port_arg integer, generation_arg integer, status_arg integer,
    suspect_times varchar, i_am_alive_time timestamptz, version_arg integer)
    RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS
$$
DECLARE affected integer;
BEGIN
    UPDATE orleansmembershipversiontable
    SET timestamp = now(), version = version + 1
    WHERE deploymentid = deployment_id AND version = version_arg;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE orleansmembershiptable
    SET status = status_arg, suspecttimes = suspect_times, iamalivetime = i_am_alive_time
    WHERE deploymentid = deployment_id AND address = address_arg AND port = port_arg AND generation = generation_arg;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = 'no such silo row';
    END IF;
    RETURN QUERY SELECT 1;
EXCEPTION WHEN serialization_failure THEN
    RETURN QUERY SELECT 0;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpdateIAmAlivetimeKey', '
    UPDATE orleansmembershiptable SET iamalivetime = @IAmAliveTime
    WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;'),
('InsertMembershipVersionKey', '
    SELECT row_count FROM liberterra_insert_membership_version(@DeploymentId);'),
('InsertMembershipKey', '
    SELECT row_count FROM liberterra_insert_membership(@DeploymentId, @Address, @Port, @Generation, @SiloName,
        @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);'),
('UpdateMembershipKey', '
    SELECT row_count FROM liberterra_update_membership(@DeploymentId, @Address, @Port, @Generation, @Status,
        @SuspectTimes, @IAmAliveTime, @Version);'),
('MembershipReadRowKey', '
    SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
    FROM orleansmembershipversiontable v
    LEFT JOIN orleansmembershiptable m ON v.deploymentid = m.deploymentid
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    WHERE v.deploymentid = @DeploymentId;'),
('MembershipReadAllKey', '
    SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
    FROM orleansmembershipversiontable v
    LEFT JOIN orleansmembershiptable m ON v.deploymentid = m.deploymentid
    WHERE v.deploymentid = @DeploymentId;'),
('DeleteMembershipTableEntriesKey', '
    DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
    DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;'),
('GatewaysQueryKey', '
    SELECT address, proxyport, generation FROM orleansmembershiptable
    WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;'),
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM orleansmembershiptable
    WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status <> 3;'),
('CleanupDefunctSiloEntryKey', '
    DELETE FROM orleansmembershiptable
    WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
