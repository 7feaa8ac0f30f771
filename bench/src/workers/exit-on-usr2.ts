// Preloaded (`node -r`) into servers the bench profiles: SIGUSR2 ends the process normally, so
// --cpu-prof writes its profile (Nest's SIGTERM handling re-raises the signal, and a process
// killed by a signal writes none).
process.once('SIGUSR2', () => process.exit(0));
