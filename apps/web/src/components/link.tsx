import type { ReactNode } from 'react';

import { navigate, type Route, usePath } from '../router';

/** An in-app link: a real href (open in a new tab works), navigated without a reload. */
export function Link({ to, children, className }: { to: Route; children: ReactNode; className?: string }) {
  const path = usePath();
  return (
    <a
      href={to}
      className={className}
      aria-current={path === to ? 'page' : undefined}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
          return;
        }
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
