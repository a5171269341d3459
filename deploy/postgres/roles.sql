-- The PostgreSQL roles of the Fibonacci calculator, least privilege first. Run it once per
-- database, as a role that may create roles (the superuser; on RDS the master user), with psql:
--
--   psql -v ON_ERROR_STOP=1 -v owner_password=... -v app_password=... -f deploy/postgres/roles.sql
--
-- then create or upgrade the schema as its owner, and run the services as fib_app:
--
--   PGUSER=fib_owner fib-server --migrate
--
-- Safe to run again: it creates what is missing and resets the rest to what is written here.
-- Without -v owner_password / -v app_password the roles get no password (fine with peer or trust
-- authentication, as in scripts/stack; a password-less role cannot log in over scram).
--
--   fib_owner  owns schema fib and its tables: the schema migrations run as this role. It cannot
--              create roles or databases, and nothing outside schema fib is its own.
--   fib_app    what fib-server and fib-worker log in as: read the tables, add an index, count a
--              repeated submission (UPDATE of times_requested only). No DELETE, TRUNCATE, DDL,
--              or CREATE anywhere. The grants on the tables come from `fib-server --migrate`.

\set ON_ERROR_STOP on

SELECT 'CREATE ROLE fib_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fib_owner') \gexec
SELECT 'CREATE ROLE fib_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fib_app') \gexec

-- New roles are NOSUPERUSER NOREPLICATION NOBYPASSRLS already; only a true superuser may name
-- those attributes (RDS's master user is not one), so they are checked instead of set.
ALTER ROLE fib_owner WITH LOGIN NOCREATEDB NOCREATEROLE NOINHERIT;
ALTER ROLE fib_app WITH LOGIN NOCREATEDB NOCREATEROLE NOINHERIT;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname IN ('fib_owner', 'fib_app')
               AND (rolsuper OR rolreplication OR rolbypassrls)) THEN
        RAISE EXCEPTION 'fib_owner or fib_app is a superuser, or may replicate or bypass row security: '
                        'a superuser must ALTER ROLE it NOSUPERUSER NOREPLICATION NOBYPASSRLS';
    END IF;
    IF EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
               WHERE r.rolname IN ('fib_owner', 'fib_app')) THEN
        RAISE EXCEPTION 'fib_owner or fib_app is a member of another role: revoke that membership';
    END IF;
END
$$;
\if :{?owner_password}
ALTER ROLE fib_owner WITH PASSWORD :'owner_password';
\endif
\if :{?app_password}
ALTER ROLE fib_app WITH PASSWORD :'app_password';
\endif

-- This database: only named roles connect; nobody else creates schemas or temporary tables.
SELECT current_database() AS fib_database \gset
REVOKE ALL ON DATABASE :"fib_database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"fib_database" TO fib_owner, fib_app;
-- PostgreSQL 15 does this by default; older ones (and RDS instances upgraded from them) do not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Giving objects to fib_owner takes membership in it unless one is a true superuser (RDS's
-- master user is not): the admin running this script becomes a member. fib_owner itself is a
-- member of nothing.
SELECT format('GRANT fib_owner TO %I', current_user)
WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
  AND NOT pg_has_role(current_user, 'fib_owner', 'USAGE') \gexec

CREATE SCHEMA IF NOT EXISTS fib AUTHORIZATION fib_owner;
ALTER SCHEMA fib OWNER TO fib_owner;
REVOKE ALL ON SCHEMA fib FROM PUBLIC;
GRANT USAGE ON SCHEMA fib TO fib_app;
ALTER ROLE fib_owner IN DATABASE :"fib_database" SET search_path = fib;
ALTER ROLE fib_app IN DATABASE :"fib_database" SET search_path = fib;

-- A database the services used before these roles existed keeps its tables in schema public,
-- owned by whoever created them (the original's values(number INT) included): move them into
-- schema fib, to their owner, with their rows. The next `fib-server --migrate` upgrades them.
-- Stop services of such an older version first: they would recreate the tables in public.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['values', 'fib_schema'] LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL AND to_regclass(format('fib.%I', t)) IS NOT NULL THEN
            RAISE EXCEPTION 'both public.% and fib.% exist: services of an older version wrote to public '
                            'after the move; merge the rows by hand, then drop public.%', t, t, t;
        END IF;
        IF to_regclass(format('public.%I', t)) IS NOT NULL AND to_regclass(format('fib.%I', t)) IS NULL THEN
            EXECUTE format('ALTER TABLE public.%I SET SCHEMA fib', t);
            RAISE NOTICE 'moved table public.% into schema fib', t;
        END IF;
        IF to_regclass(format('fib.%I', t)) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE fib.%I OWNER TO fib_owner', t);
        END IF;
    END LOOP;
END
$$;
