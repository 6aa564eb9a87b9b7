/**
 * Runs before every test file. The AWS SDK warns once per process that its releases after January
 * 2027 need Node 22 (the functions run on nodejs22.x; tests run on the local Node 20): known, not news.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
