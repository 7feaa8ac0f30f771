-- canonical_email is filled in by the app right after the migrations, with the same function that
-- registration and sign-in use (apps/auth/src/database/canonical-email-backfill.ts): PostgreSQL has
-- no IDNA, and its Unicode tables need not match node's. Near-duplicates keep their rows.
ALTER TABLE "users" ADD COLUMN "canonical_email" text;--> statement-breakpoint
CREATE UNIQUE INDEX "users_canonical_email_unique" ON "users" USING btree ("canonical_email");