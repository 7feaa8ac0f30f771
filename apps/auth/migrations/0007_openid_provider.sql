CREATE TABLE "oidc_consents" (
	"user_id" uuid NOT NULL,
	"client_id" text NOT NULL,
	"scope" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "oidc_consents_user_id_client_id_pk" PRIMARY KEY("user_id","client_id")
);
--> statement-breakpoint
CREATE TABLE "oidc_payloads" (
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"grant_id" text,
	"uid" text,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "oidc_payloads_kind_id_pk" PRIMARY KEY("kind","id")
);
--> statement-breakpoint
ALTER TABLE "session_families" ADD COLUMN "client_id" text DEFAULT 'tessera-web' NOT NULL;--> statement-breakpoint
ALTER TABLE "session_families" ADD COLUMN "scope" text;--> statement-breakpoint
ALTER TABLE "session_families" ADD COLUMN "first_party" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "session_families" ADD COLUMN "oidc_session_uid" text;--> statement-breakpoint
ALTER TABLE "session_families" ADD COLUMN "oidc_grant_id" text;--> statement-breakpoint
ALTER TABLE "oidc_consents" ADD CONSTRAINT "oidc_consents_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_payloads_grant_id_idx" ON "oidc_payloads" USING btree ("grant_id");--> statement-breakpoint
CREATE INDEX "oidc_payloads_uid_idx" ON "oidc_payloads" USING btree ("uid");--> statement-breakpoint
CREATE INDEX "oidc_payloads_expires_at_idx" ON "oidc_payloads" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "session_families_oidc_session_uid_idx" ON "session_families" USING btree ("oidc_session_uid");--> statement-breakpoint
CREATE INDEX "session_families_oidc_grant_id_idx" ON "session_families" USING btree ("oidc_grant_id");