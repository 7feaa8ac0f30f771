ALTER TABLE "users" ADD COLUMN "canonical_email" text;--> statement-breakpoint
CREATE UNIQUE INDEX "users_canonical_email_unique" ON "users" USING btree ("canonical_email");