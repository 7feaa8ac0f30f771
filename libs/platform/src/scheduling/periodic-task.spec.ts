import { Logger } from '@nestjs/common';

import { PeriodicTask } from './periodic-task';

class CountingTask extends PeriodicTask {
  runs = 0;
  failNext = false;

  constructor() {
    super({ context: 'Test', what: 'counting', everyMs: 1000 });
  }

  protected run(): Promise<void> {
    this.runs += 1;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('database gone'));
    }
    return Promise.resolve();
  }
}

describe('PeriodicTask', () => {
  let task: CountingTask;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    task = new CountingTask();
  });

  afterEach(() => {
    task.onApplicationShutdown();
    jest.useRealTimers();
    warn.mockRestore();
  });

  it('runs nothing before bootstrap, then once per interval', async () => {
    await jest.advanceTimersByTimeAsync(5000);
    expect(task.runs).toBe(0);
    task.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(999);
    expect(task.runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(task.runs).toBe(1);
    await jest.advanceTimersByTimeAsync(2000);
    expect(task.runs).toBe(3);
  });

  it('logs a failed run as a warning and keeps to the schedule', async () => {
    task.onApplicationBootstrap();
    task.failNext = true;
    await jest.advanceTimersByTimeAsync(1000);
    expect(warn).toHaveBeenCalledWith('counting failed: database gone');
    await jest.advanceTimersByTimeAsync(1000);
    expect(task.runs).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('runOnce never rejects, even when the task throws', async () => {
    task.failNext = true;
    await expect(task.runOnce()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('stops at shutdown', async () => {
    task.onApplicationBootstrap();
    task.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5000);
    expect(task.runs).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never holds the process open', () => {
    jest.useRealTimers();
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    try {
      task.onApplicationBootstrap();
      const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
    } finally {
      setIntervalSpy.mockRestore();
    }
  });
});
