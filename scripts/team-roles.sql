-- Roles for an Evidence Annotator team database, with PostgreSQL's own grants.
-- Run once as the database's owner, after the first app has connected (which creates the
-- tables), in the team's database:  psql -d evidence -f scripts/team-roles.sql
-- Then give each investigator a login in one of the two roles, for example:
--   CREATE ROLE "amira" LOGIN PASSWORD '...' IN ROLE annotator_writer;
--   CREATE ROLE "reviewer1" LOGIN PASSWORD '...' IN ROLE annotator_reader;
-- The login is what the audit trail records as the actor of every change.

DO $$ BEGIN
    CREATE ROLE annotator_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$ BEGIN
    CREATE ROLE annotator_writer NOLOGIN IN ROLE annotator_reader;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- Readers: connect and read everything (cases, media records, annotations, audit trail).
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO annotator_reader', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO annotator_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO annotator_reader;

-- Writers: also add, change and delete case data. The audit trail takes inserts only:
-- triggers refuse UPDATE and DELETE on audit_events for everyone, owner included.
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO annotator_writer;
REVOKE UPDATE, DELETE ON audit_events FROM annotator_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO annotator_writer;

-- Neither role may change the schema: only the owner's login runs the app's migrations
-- (connect once with the owner's login after installing a new version of the app).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
