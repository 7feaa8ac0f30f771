// The three apps and the web console, as `npm start` builds them (Nx caches it).
const { buildProjects } = require('../../scripts/jest-build-apps.cjs');

module.exports = async () => buildProjects(['auth', 'orders', 'profile', 'web']);
