// PLACEHOLDER: replaced by the kernel dispatch table.
