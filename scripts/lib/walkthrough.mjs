// The copy-paste walkthrough `npm start` prints; README.md shows the same commands.
export const WALKTHROUGH = String.raw`# 1. Register a user (a second run answers 409: already registered, carry on)
curl -s -w '\n' -X POST http://localhost:3001/auth/register \
  -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","password":"correct-horse-battery","displayName":"Ada"}'

# 2. Log in and keep the access token
TOKEN=$(curl -s -X POST http://localhost:3001/auth/login \
  -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","password":"correct-horse-battery"}' \
  | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

# 3. Set a shipping address (profile verifies the token itself)
curl -s -w '\n' -X PATCH http://localhost:3003/profile/me \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"displayName":"Ada","shippingAddress":{"line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}}'

# 4. Place an order (orders asks profile for the address over NATS)
curl -s -w '\n' -X POST http://localhost:3002/orders \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"items":[{"sku":"BOOK-001","quantity":2,"unitPriceCents":1500}]}'

# 5. List your orders
curl -s -w '\n' http://localhost:3002/orders -H "Authorization: Bearer $TOKEN"`;
