/*
 * sim/cfg.c - the configuration tree: YAML scenarios, --set overrides, typed readers.
 *
 * The loader walks libyaml's event stream and builds a tree of cfg_nodes that
 * keep their 1-based source positions. An alias is replaced by a deep copy of
 * its anchor's node (positions included), so every node has exactly one
 * parent, cfg_release() is a plain recursive free and each place an alias is
 * used keeps its own "used" marks. An anchor is registered only once its node
 * is complete, so an alias inside its own anchor is undefined and the tree can
 * never be cyclic. Nesting depth and the node count (which alias expansion
 * could blow up) are bounded.
 *
 * Getters receive maps as const, but they record which keys were asked for
 * (known[]) and found (used[]) for cfg_check_unknown(). That bookkeeping is
 * not part of the value, so map_marks() casts the const away for it, and only
 * for it.
 *
 * A key created by --set has no position in the map's file. Its value node
 * then gets the file name set_key_file ("--set", like set_file but a distinct
 * object); cfg_check_unknown() recognises it by address and reports the key at
 * "--set:N:C" instead of in the map's file.
 */
#include "sim/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "sim/sha256.h"
#include "sim/units.h"

#define CFG_MAX_DEPTH 256	 /* nesting levels */
#define CFG_MAX_NODES (1u << 20) /* nodes in one file, aliases expanded */

static const char scenario_what[] = "scenario";
static const char set_file[] = "--set";	    /* values replaced by --set */
static const char set_key_file[] = "--set"; /* values whose key --set created */

static const char want_int[] = "an integer";
static const char want_bool[] = "true or false";
static const char want_time[] = "a time like '50us' (units: ps, ns, us, ms, s)";
static const char want_size[] = "a size like '256KiB' (units: B, KB, KiB, MB, MiB, GB, GiB)";
static const char want_frac[] = "a fraction like '5%' or '0.05'";

/* --- memory: allocation failure is fatal, as everywhere in the simulator --- */

static void *xrealloc(void *p, size_t n, size_t size)
{
	size_t bytes;

	SIM_BUG_ON(size && n > SIZE_MAX / size);
	bytes = n * size;
	p = realloc(p, bytes ? bytes : 1);
	SIM_BUG_ON(!p);
	return p;
}

static char *xstrndup(const char *s, size_t len)
{
	char *d = xrealloc(NULL, len + 1, 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* --- nodes --- */

static struct cfg_node *node_new(enum cfg_type type, const char *file, uint32_t line, uint32_t col)
{
	struct cfg_node *n = xrealloc(NULL, 1, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->type = type;
	n->file = file;
	n->line = line;
	n->col = col;
	return n;
}

static void node_clear(struct cfg_node *n);

static void node_free(struct cfg_node *n)
{
	if (!n)
		return;
	node_clear(n);
	free(n);
}

/* Make room for one more entry in a mapping or list. */
static void node_grow(struct cfg_node *n)
{
	if (n->n < n->cap)
		return;
	n->cap = n->cap ? 2 * n->cap : 4;
	n->items = xrealloc(n->items, n->cap, sizeof(*n->items));
	if (n->type != CFG_MAP)
		return;
	n->keys = xrealloc(n->keys, n->cap, sizeof(*n->keys));
	n->key_line = xrealloc(n->key_line, n->cap, sizeof(*n->key_line));
	n->key_col = xrealloc(n->key_col, n->cap, sizeof(*n->key_col));
	n->used = xrealloc(n->used, n->cap, sizeof(*n->used));
}

static void seq_add(struct cfg_node *s, struct cfg_node *item)
{
	node_grow(s);
	s->items[s->n++] = item;
}

/* Append @key (taken over) with value @v at key position @line:@col. */
static void map_add(struct cfg_node *m, char *key, uint32_t line, uint32_t col, struct cfg_node *v)
{
	node_grow(m);
	m->keys[m->n] = key;
	m->key_line[m->n] = line;
	m->key_col[m->n] = col;
	m->used[m->n] = false;
	m->items[m->n++] = v;
}

/* Index of the key @key (@len bytes) in mapping @m, or -1. Marks nothing. */
static int map_find_len(const struct cfg_node *m, const char *key, size_t len)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (strncmp(m->keys[i], key, len) == 0 && m->keys[i][len] == '\0')
			return (int)i;
	return -1;
}

static int map_find(const struct cfg_node *m, const char *key)
{
	return map_find_len(m, key, strlen(key));
}

/* --- errors --- */

static int verror_at(struct sim_error *err, const char *file, uint32_t line, uint32_t col,
		     const char *fmt, va_list ap) SIM_PRINTF(5, 0);
static int key_error(const struct cfg_node *m, uint32_t i, struct sim_error *err, const char *fmt,
		     ...) SIM_PRINTF(4, 5);

/* Record "file:line:col: <fmt>" unless an error is already set. Returns -1. */
static int verror_at(struct sim_error *err, const char *file, uint32_t line, uint32_t col,
		     const char *fmt, va_list ap)
{
	char buf[SIM_ERROR_MSG];

	if (err->set)
		return -1;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	return sim_error_at(err, file, line, col, "%s", buf);
}

int cfg_error(const struct cfg_node *n, struct sim_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(err, n->file, n->line, n->col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Record an error at the position of key @i of mapping @m. */
static int key_error(const struct cfg_node *m, uint32_t i, struct sim_error *err, const char *fmt,
		     ...)
{
	const char *file = m->items[i]->file == set_key_file ? set_key_file : m->file;
	va_list ap;

	va_start(ap, fmt);
	verror_at(err, file, m->key_line[i], m->key_col[i], fmt, ap);
	va_end(ap);
	return -1;
}

/* Write "a, b, c" (the @n names) into @buf of @len bytes, truncating to fit. */
static void join_names(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* " (did you mean 'N'?)" when a candidate is near @word, else "". */
static void suggest(char *buf, size_t len, const char *word, const char *const *cands, size_t n)
{
	const char *near = sim_nearest(word, cands, n);

	buf[0] = '\0';
	if (near)
		snprintf(buf, len, " (did you mean '%s'?)", near);
}

/* --- the loader --- */

struct anchor {
	char *name;
	struct cfg_node *node; /* in the tree, or detached (owned here) */
	bool detached;	       /* an anchored mapping key, not in the tree */
};

struct loader {
	yaml_parser_t parser;
	const char *file;	   /* the cfg's file name */
	const unsigned char *text; /* the input, for reader-error positions */
	size_t len;
	struct sim_error *err;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	uint32_t nnodes; /* nodes created so far */
};

static uint32_t pos1(size_t zero_based)
{
	return zero_based >= UINT32_MAX ? UINT32_MAX : (uint32_t)zero_based + 1;
}

static int ld_error(struct loader *ld, const yaml_mark_t *m, const char *fmt, ...) SIM_PRINTF(3, 4);

/* Record an error at libyaml mark @m (0-based). */
static int ld_error(struct loader *ld, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(ld->err, ld->file, pos1(m->line), pos1(m->column), fmt, ap);
	va_end(ap);
	return -1;
}

/* libyaml's error: reader errors carry a byte offset, the others a mark. */
static int ld_yaml_error(struct loader *ld)
{
	const yaml_parser_t *p = &ld->parser;
	const char *problem = p->problem ? p->problem : "cannot parse the input";
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_READER_ERROR) {
		size_t line = 0, bol = 0;

		for (size_t i = 0; i < p->problem_offset && i < ld->len; i++) {
			if (ld->text[i] == '\n') {
				line++;
				bol = i + 1;
			}
		}
		m.line = line;
		m.column = p->problem_offset - bol;
	}
	return ld_error(ld, &m, "yaml: %s", problem);
}

static int ld_next(struct loader *ld, yaml_event_t *ev)
{
	if (yaml_parser_parse(&ld->parser, ev))
		return 0;
	return ld_yaml_error(ld);
}

/* A new node at mark @m, or NULL past the node limit. */
static struct cfg_node *ld_new(struct loader *ld, enum cfg_type type, const yaml_mark_t *m)
{
	if (++ld->nnodes > CFG_MAX_NODES) {
		ld_error(ld, m, "more than %u nodes (aliases expanded)", CFG_MAX_NODES);
		return NULL;
	}
	return node_new(type, ld->file, pos1(m->line), pos1(m->column));
}

static void ld_anchor(struct loader *ld, const yaml_char_t *name, struct cfg_node *n, bool detached)
{
	struct anchor *a;

	if (ld->nanchors == ld->anchors_cap) {
		ld->anchors_cap = ld->anchors_cap ? 2 * ld->anchors_cap : 8;
		ld->anchors = xrealloc(ld->anchors, ld->anchors_cap, sizeof(*ld->anchors));
	}
	a = &ld->anchors[ld->nanchors++];
	a->name = xstrdup((const char *)name);
	a->node = n;
	a->detached = detached;
}

/* The latest anchor called @name (YAML lets an anchor be redefined), or NULL. */
static const struct anchor *ld_find_anchor(const struct loader *ld, const yaml_char_t *name)
{
	for (size_t i = ld->nanchors; i-- > 0;)
		if (strcmp(ld->anchors[i].name, (const char *)name) == 0)
			return &ld->anchors[i];
	return NULL;
}

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static struct cfg_node *ld_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	yaml_scalar_style_t style = ev->data.scalar.style;
	struct cfg_node *n = ld_new(ld, CFG_SCALAR, &ev->start_mark);

	if (!n)
		return NULL;
	n->quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (style == YAML_PLAIN_SCALAR_STYLE && is_null_text(text))
		n->str = xstrdup("");
	else
		n->str = xstrndup(text, ev->data.scalar.length);
	if (ev->data.scalar.anchor)
		ld_anchor(ld, ev->data.scalar.anchor, n, false);
	return n;
}

/* A deep copy of @src for an alias at mark @m and nesting @depth; NULL past the limits. */
static struct cfg_node *ld_copy(struct loader *ld, const struct cfg_node *src, unsigned depth,
				const yaml_mark_t *m)
{
	struct cfg_node *n;

	if (depth > CFG_MAX_DEPTH) {
		ld_error(ld, m, "nesting is deeper than %d levels", CFG_MAX_DEPTH);
		return NULL;
	}
	n = ld_new(ld, src->type, m);
	if (!n)
		return NULL;
	n->line = src->line;
	n->col = src->col;
	n->quoted = src->quoted;
	n->str = src->str ? xstrdup(src->str) : NULL;
	for (uint32_t i = 0; i < src->n; i++) {
		struct cfg_node *item = ld_copy(ld, src->items[i], depth + 1, m);

		if (!item) {
			node_free(n);
			return NULL;
		}
		if (src->type == CFG_MAP)
			map_add(n, xstrdup(src->keys[i]), src->key_line[i], src->key_col[i], item);
		else
			seq_add(n, item);
	}
	return n;
}

static struct cfg_node *ld_alias(struct loader *ld, const yaml_event_t *ev, unsigned depth)
{
	const struct anchor *a = ld_find_anchor(ld, ev->data.alias.anchor);

	if (!a) {
		ld_error(ld, &ev->start_mark, "yaml: found undefined alias '%s'",
			 (const char *)ev->data.alias.anchor);
		return NULL;
	}
	return ld_copy(ld, a->node, depth, &ev->start_mark);
}

static struct cfg_node *ld_node(struct loader *ld, const yaml_event_t *ev, unsigned depth);

static struct cfg_node *ld_seq(struct loader *ld, const yaml_event_t *ev, unsigned depth)
{
	struct cfg_node *n = ld_new(ld, CFG_SEQ, &ev->start_mark);

	if (!n)
		return NULL;
	for (;;) {
		struct cfg_node *item;
		yaml_event_t iev;

		if (ld_next(ld, &iev))
			goto fail;
		if (iev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&iev);
			break;
		}
		item = ld_node(ld, &iev, depth + 1);
		yaml_event_delete(&iev);
		if (!item)
			goto fail;
		seq_add(n, item);
	}
	if (ev->data.sequence_start.anchor)
		ld_anchor(ld, ev->data.sequence_start.anchor, n, false);
	return n;
fail:
	node_free(n);
	return NULL;
}

/* The text of key event @kev in *@key (allocated); -1 on a key that is not a scalar. */
static int ld_key_text(struct loader *ld, const yaml_event_t *kev, char **key)
{
	const struct anchor *a;
	struct cfg_node *kn;

	if (kev->type == YAML_ALIAS_EVENT) {
		a = ld_find_anchor(ld, kev->data.alias.anchor);
		if (!a)
			return ld_error(ld, &kev->start_mark, "yaml: found undefined alias '%s'",
					(const char *)kev->data.alias.anchor);
		if (a->node->type != CFG_SCALAR)
			return ld_error(ld, &kev->start_mark, "mapping keys must be scalars");
		*key = xstrdup(a->node->str);
		return 0;
	}
	if (kev->type != YAML_SCALAR_EVENT)
		return ld_error(ld, &kev->start_mark, "mapping keys must be scalars");
	if (kev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp((const char *)kev->data.scalar.value, "<<") == 0)
		return ld_error(ld, &kev->start_mark, "merge keys ('<<') are not supported");
	*key = xstrndup((const char *)kev->data.scalar.value, kev->data.scalar.length);
	if (kev->data.scalar.anchor) {
		kn = node_new(CFG_SCALAR, ld->file, pos1(kev->start_mark.line),
			      pos1(kev->start_mark.column));
		kn->str = xstrdup(*key);
		ld_anchor(ld, kev->data.scalar.anchor, kn, true);
	}
	return 0;
}

/* One "key: value" entry of mapping @m: 0 when added, 1 at the mapping's end, -1 on error. */
static int ld_map_entry(struct loader *ld, struct cfg_node *m, unsigned depth)
{
	struct cfg_node *v;
	yaml_event_t kev, vev;
	uint32_t line, col;
	char *key = NULL;
	int rc;

	if (ld_next(ld, &kev))
		return -1;
	if (kev.type == YAML_MAPPING_END_EVENT) {
		yaml_event_delete(&kev);
		return 1;
	}
	line = pos1(kev.start_mark.line);
	col = pos1(kev.start_mark.column);
	rc = ld_key_text(ld, &kev, &key);
	if (!rc && map_find(m, key) >= 0)
		rc = ld_error(ld, &kev.start_mark, "duplicate key '%s'", key);
	yaml_event_delete(&kev);
	if (rc || ld_next(ld, &vev)) {
		free(key);
		return -1;
	}
	v = ld_node(ld, &vev, depth + 1);
	yaml_event_delete(&vev);
	if (!v) {
		free(key);
		return -1;
	}
	map_add(m, key, line, col, v);
	return 0;
}

static struct cfg_node *ld_map(struct loader *ld, const yaml_event_t *ev, unsigned depth)
{
	struct cfg_node *n = ld_new(ld, CFG_MAP, &ev->start_mark);
	int rc;

	if (!n)
		return NULL;
	while ((rc = ld_map_entry(ld, n, depth)) == 0)
		;
	if (rc < 0) {
		node_free(n);
		return NULL;
	}
	if (ev->data.mapping_start.anchor)
		ld_anchor(ld, ev->data.mapping_start.anchor, n, false);
	return n;
}

/* The node that starts with event @ev, with all its events consumed; NULL on error. */
static struct cfg_node *ld_node(struct loader *ld, const yaml_event_t *ev, unsigned depth)
{
	if (depth > CFG_MAX_DEPTH) {
		ld_error(ld, &ev->start_mark, "nesting is deeper than %d levels", CFG_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ld_scalar(ld, ev);
	case YAML_SEQUENCE_START_EVENT:
		return ld_seq(ld, ev, depth);
	case YAML_MAPPING_START_EVENT:
		return ld_map(ld, ev, depth);
	case YAML_ALIAS_EVENT:
		return ld_alias(ld, ev, depth);
	default:
		SIM_BUG_ON(1); /* libyaml sent an event that cannot start a node */
		return NULL;
	}
}

/* Read the next event, expecting type @type (which libyaml guarantees at this point). */
static int ld_expect(struct loader *ld, yaml_event_type_t type)
{
	yaml_event_t ev;

	if (ld_next(ld, &ev))
		return -1;
	SIM_BUG_ON(ev.type != type);
	yaml_event_delete(&ev);
	return 0;
}

/* The one document of the stream, as a mapping in *@root (freed by the caller). */
static int ld_stream(struct loader *ld, struct cfg_node **root)
{
	yaml_event_t ev;
	int rc = 0;

	if (ld_expect(ld, YAML_STREAM_START_EVENT) || ld_next(ld, &ev))
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT)
		rc = ld_error(ld, &ev.start_mark, "the top level must be a mapping");
	yaml_event_delete(&ev);
	if (rc || ld_next(ld, &ev))
		return -1;
	*root = ld_node(ld, &ev, 0);
	yaml_event_delete(&ev);
	if (!*root)
		return -1;
	if ((*root)->type != CFG_MAP)
		return cfg_error(*root, ld->err, "the top level must be a mapping");
	if (ld_expect(ld, YAML_DOCUMENT_END_EVENT) || ld_next(ld, &ev))
		return -1;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		rc = ld_error(ld, &ev.start_mark, "only one YAML document is supported");
	yaml_event_delete(&ev);
	return rc;
}

static void ld_release(struct loader *ld)
{
	for (size_t i = 0; i < ld->nanchors; i++) {
		free(ld->anchors[i].name);
		if (ld->anchors[i].detached)
			node_free(ld->anchors[i].node);
	}
	free(ld->anchors);
	yaml_parser_delete(&ld->parser);
}

static int cfg_load_text(struct cfg *c, const char *name, const char *text, size_t len,
			 struct sim_error *err)
{
	struct loader ld = { .text = (const unsigned char *)text, .len = len, .err = err };
	struct cfg_node *root = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	c->file = xstrdup(name);
	sha256_hex(text, len, c->sha256);
	ld.file = c->file;
	SIM_BUG_ON(!yaml_parser_initialize(&ld.parser));
	yaml_parser_set_input_string(&ld.parser, ld.text, len);
	rc = ld_stream(&ld, &root);
	ld_release(&ld);
	if (rc) {
		node_free(root);
		cfg_release(c);
		return -1;
	}
	c->root = root;
	return 0;
}

int cfg_load_string(struct cfg *c, const char *name, const char *text, struct sim_error *err)
{
	return cfg_load_text(c, name, text, strlen(text), err);
}

/* The whole of @f in *@buf (allocated) and *@len; -1 with errno on a read error. */
static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = xrealloc(NULL, cap, 1);

	for (;;) {
		n += fread(b + n, 1, cap - n, f);
		if (ferror(f)) {
			free(b);
			return -1;
		}
		if (feof(f))
			break;
		if (n == cap) {
			cap *= 2;
			b = xrealloc(b, cap, 1);
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

/*
 * Open @path for reading only if it is a regular file (a FIFO or a device
 * would block or never end) no larger than CFG_FILE_MAX.
 */
static FILE *open_scenario(const char *path, struct sim_error *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st = { 0 };
	FILE *f;

	if (fd < 0) {
		sim_error_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CFG_FILE_MAX) {
		if (S_ISDIR(st.st_mode))
			sim_error_set(err, "cannot read '%s': %s", path, strerror(EISDIR));
		else if (!S_ISREG(st.st_mode))
			sim_error_set(err, "cannot read '%s': not a regular file", path);
		else
			sim_error_set(err, "cannot read '%s': larger than %u MiB", path,
				      CFG_FILE_MAX >> 20);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		sim_error_set(err, "cannot open '%s': %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int cfg_load_file(struct cfg *c, const char *path, struct sim_error *err)
{
	FILE *f;
	size_t len;
	char *text;
	int rc;

	memset(c, 0, sizeof(*c));
	f = open_scenario(path, err);
	if (!f)
		return -1;
	rc = read_all(f, &text, &len);
	if (rc)
		sim_error_set(err, "cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	if (rc)
		return -1;
	if (len > CFG_FILE_MAX) {
		free(text);
		return sim_error_set(err, "cannot read '%s': larger than %u MiB", path,
				     CFG_FILE_MAX >> 20);
	}
	rc = cfg_load_text(c, path, text, len, err);
	free(text);
	return rc;
}

void cfg_release(struct cfg *c)
{
	node_free(c->root);
	for (uint32_t i = 0; i < c->noverrides; i++)
		free(c->overrides[i]);
	free(c->overrides);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

/* --- --set and --unset --- */

struct set_op {
	const char *file; /* "--set" or "--unset", for positions */
	const char *arg;  /* "KEY=VALUE" or "KEY" */
	const char *eq;	  /* the end of KEY: its first '=' (for --unset, the NUL) */
	uint32_t n;	  /* 1-based index among the --set and --unset options */
};

static int set_error(const struct set_op *op, const char *seg, struct sim_error *err,
		     const char *fmt, ...) SIM_PRINTF(4, 5);

/* Record an error at "--set:N:C", C the column of @seg in the argument. */
static int set_error(const struct set_op *op, const char *seg, struct sim_error *err,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(err, op->file, op->n, (uint32_t)(seg - op->arg) + 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* The KEY part is non-empty and has no empty segment. */
static bool set_key_ok(const char *key, const char *end)
{
	if (key == end || *key == '/' || end[-1] == '/')
		return false;
	for (const char *p = key; p + 1 < end; p++)
		if (p[0] == '/' && p[1] == '/')
			return false;
	return true;
}

/* The index of the item of list @s selected by @seg (@len bytes): an index, else a name. */
static int seq_select_index(const struct cfg_node *s, const char *seg, size_t len)
{
	size_t idx = 0, i;

	for (i = 0; i < len && seg[i] >= '0' && seg[i] <= '9' && idx < s->n; i++)
		idx = 10 * idx + (size_t)(seg[i] - '0');
	if (i == len && idx < s->n)
		return (int)idx;
	for (i = 0; i < s->n; i++) {
		const struct cfg_node *item = s->items[i];
		int k = item->type == CFG_MAP ? map_find(item, "name") : -1;

		if (k >= 0 && item->items[k]->type == CFG_SCALAR &&
		    strncmp(item->items[k]->str, seg, len) == 0 && item->items[k]->str[len] == '\0')
			return (int)i;
	}
	return -1;
}

static struct cfg_node *seq_select(const struct cfg_node *s, const char *seg, size_t len)
{
	int i = seq_select_index(s, seg, len);

	return i >= 0 ? s->items[i] : NULL;
}

/* Free what @n holds (entries, text), keeping its shape-less shell and position. */
static void node_clear(struct cfg_node *n)
{
	struct cfg_node shell = { .file = n->file, .line = n->line, .col = n->col };

	for (uint32_t i = 0; i < n->n; i++) {
		node_free(n->items[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	for (uint32_t i = 0; i < n->nknown; i++)
		free((char *)n->known[i]);
	free(n->str);
	free(n->items);
	free(n->keys);
	free(n->key_line);
	free(n->key_col);
	free(n->used);
	free(n->known);
	*n = shell;
}

#define WANT_LIST "expected a list like '[0, 1]', got '%s'"

/* One item of a flow list, @p..@end with spaces around it, into list @n. */
static int set_list_item(const struct set_op *op, struct cfg_node *n, const char *p,
			 const char *end, struct sim_error *err)
{
	struct cfg_node *item;
	bool quoted = false;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (end - p >= 2 && (*p == '\'' || *p == '"') && end[-1] == *p) {
		quoted = true;
		p++;
		end--;
	} else if (p == end || memchr(p, '\'', (size_t)(end - p)) ||
		   memchr(p, '"', (size_t)(end - p))) {
		return set_error(op, op->eq + 1, err, WANT_LIST, op->eq + 1);
	}
	item = node_new(CFG_SCALAR, set_file, op->n, (uint32_t)(p - op->arg) + (quoted ? 0 : 1));
	item->str = xstrndup(p, (size_t)(end - p));
	item->quoted = quoted;
	seq_add(n, item);
	return 0;
}

/* Make @n (cleared) the flow list "[a, b, ...]" of scalars given as the option's value. */
static int set_list(const struct set_op *op, struct cfg_node *n, struct sim_error *err)
{
	const char *v = op->eq + 1, *p = v + 1, *close = v + strlen(v) - 1;

	n->type = CFG_SEQ;
	if (*close != ']' || strpbrk(p, "[{}") || memchr(p, ']', (size_t)(close - p)))
		return set_error(op, v, err, WANT_LIST, v);
	if (strspn(p, " ") == (size_t)(close - p))
		return 0;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(close - p));
		const char *end = comma ? comma : close;

		if (set_list_item(op, n, p, end, err))
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* Give node @n (a scalar or a list) the value of the option: a scalar, or a flow list. */
static int set_value(const struct set_op *op, struct cfg_node *n, const char *seg,
		     struct sim_error *err)
{
	bool list = op->eq[1] == '[';
	const char *file = n->file == set_key_file ? set_key_file : set_file;
	int klen = (int)(op->eq - op->arg);

	if (n->type == CFG_MAP)
		return set_error(op, seg, err,
				 "'%.*s' is a mapping; --set replaces only scalars and lists", klen,
				 op->arg);
	if (n->type == CFG_SEQ && !list)
		return set_error(op, seg, err, "'%.*s' is a list; give a list like '[0, 1]'", klen,
				 op->arg);
	node_clear(n);
	n->file = file;
	n->line = op->n;
	n->col = (uint32_t)klen + 2;
	if (list)
		return set_list(op, n, err);
	n->type = CFG_SCALAR;
	n->str = xstrdup(op->eq + 1);
	return 0;
}

/* Set key @seg (@len bytes, the last segment) of mapping @m, creating it if missing. */
static int set_in_map(const struct set_op *op, struct cfg_node *m, const char *seg, size_t len,
		      struct sim_error *err)
{
	uint32_t col = (uint32_t)(seg - op->arg) + 1;
	int i = map_find_len(m, seg, len);
	struct cfg_node *v;

	if (i >= 0) {
		if (m->items[i]->file == set_key_file) {
			m->key_line[i] = op->n;
			m->key_col[i] = col;
		}
		return set_value(op, m->items[i], seg, err);
	}
	v = node_new(CFG_SCALAR, set_key_file, op->n, col);
	map_add(m, xstrndup(seg, len), op->n, col, v);
	return set_value(op, v, seg, err);
}

/* "no key 'SEG' in 'PATH'" (or "in scenario" at the top). */
static int set_no_key(const struct set_op *op, const char *seg, size_t len, struct sim_error *err)
{
	int plen = seg == op->arg ? 0 : (int)(seg - op->arg) - 1;

	if (seg == op->arg)
		return set_error(op, seg, err, "no key '%.*s' in %s", (int)len, seg, scenario_what);
	return set_error(op, seg, err, "no key '%.*s' in '%.*s'", (int)len, seg, plen, op->arg);
}

/*
 * The child of @cur named by segment @seg (@len bytes), or NULL with an error.
 * A missing key of a mapping is created as an empty mapping when @create.
 */
static struct cfg_node *set_child(const struct set_op *op, const struct cfg_node *cur,
				  const char *seg, size_t len, bool create, struct sim_error *err)
{
	int plen = seg == op->arg ? 0 : (int)(seg - op->arg) - 1;
	struct cfg_node *child = NULL;
	int i;

	if (cur->type == CFG_SEQ) {
		child = seq_select(cur, seg, len);
		if (!child)
			set_error(op, seg, err, "no item '%.*s' in list '%.*s'", (int)len, seg,
				  plen, op->arg);
		return child;
	}
	i = cur->type == CFG_MAP ? map_find_len(cur, seg, len) : -1;
	if (i >= 0)
		return cur->items[i];
	if (cur->type == CFG_MAP && create) {
		/* a missing middle key becomes an empty mapping (checked by its readers) */
		uint32_t col = (uint32_t)(seg - op->arg) + 1;

		child = node_new(CFG_MAP, set_key_file, op->n, col);
		map_add((struct cfg_node *)cur, xstrndup(seg, len), op->n, col, child);
		return child;
	}
	set_no_key(op, seg, len, err);
	return NULL;
}

/* Append "OPTION ARG" to the overrides the cfg records for provenance. */
static void cfg_record(struct cfg *c, const char *option, const char *arg)
{
	size_t len = strlen(option) + strlen(arg) + 2;

	if (c->noverrides == c->overrides_cap) {
		c->overrides_cap = c->overrides_cap ? 2 * c->overrides_cap : 8;
		c->overrides = xrealloc(c->overrides, c->overrides_cap, sizeof(*c->overrides));
	}
	c->overrides[c->noverrides] = xrealloc(NULL, len, 1);
	snprintf(c->overrides[c->noverrides++], len, "%s %s", option, arg);
}

static int set_walk(struct cfg *c, const struct set_op *op, struct sim_error *err)
{
	struct cfg_node *cur = c->root;
	const char *seg = op->arg;

	for (;;) {
		const char *end = memchr(seg, '/', (size_t)(op->eq - seg));
		size_t len = (size_t)((end ? end : op->eq) - seg);

		if (!end && cur->type == CFG_MAP)
			return set_in_map(op, cur, seg, len, err);
		cur = set_child(op, cur, seg, len, true, err);
		if (!cur)
			return -1;
		if (!end)
			return set_value(op, cur, seg, err);
		seg = end + 1;
	}
}

int cfg_apply_set(struct cfg *c, const char *assign, struct sim_error *err)
{
	struct set_op op = {
		.file = set_file, .arg = assign, .eq = strchr(assign, '='), .n = ++c->nsets
	};

	if (!op.eq || !set_key_ok(assign, op.eq))
		return set_error(&op, assign, err, "expected KEY=VALUE, got '%s'", assign);
	if (!c->root)
		c->root = node_new(CFG_MAP, set_file, op.n, 1);
	if (set_walk(c, &op, err))
		return -1;
	cfg_record(c, "--set", assign);
	return 0;
}

/* Remove entry @i of mapping or list @n. */
static void node_remove(struct cfg_node *n, uint32_t i)
{
	uint32_t tail = n->n - i - 1;

	node_free(n->items[i]);
	memmove(n->items + i, n->items + i + 1, tail * sizeof(*n->items));
	if (n->type == CFG_MAP) {
		free(n->keys[i]);
		memmove(n->keys + i, n->keys + i + 1, tail * sizeof(*n->keys));
		memmove(n->key_line + i, n->key_line + i + 1, tail * sizeof(*n->key_line));
		memmove(n->key_col + i, n->key_col + i + 1, tail * sizeof(*n->key_col));
		memmove(n->used + i, n->used + i + 1, tail * sizeof(*n->used));
	}
	n->n--;
}

/* Remove the entry named by the last segment @seg (@len bytes) from @cur. */
static int unset_last(const struct set_op *op, struct cfg_node *cur, const char *seg, size_t len,
		      struct sim_error *err)
{
	int plen = seg == op->arg ? 0 : (int)(seg - op->arg) - 1;
	int i = -1;

	if (cur->type == CFG_MAP)
		i = map_find_len(cur, seg, len);
	else if (cur->type == CFG_SEQ)
		i = seq_select_index(cur, seg, len);
	if (i < 0 && cur->type == CFG_SEQ)
		return set_error(op, seg, err, "no item '%.*s' in list '%.*s'", (int)len, seg, plen,
				 op->arg);
	if (i < 0)
		return set_no_key(op, seg, len, err);
	node_remove(cur, (uint32_t)i);
	return 0;
}

int cfg_apply_unset(struct cfg *c, const char *key, struct sim_error *err)
{
	struct set_op op = {
		.file = "--unset", .arg = key, .eq = key + strlen(key), .n = ++c->nsets
	};
	struct cfg_node *cur = c->root;
	const char *seg = key;

	if (strchr(key, '=') || !set_key_ok(key, op.eq))
		return set_error(&op, key, err, "expected KEY, got '%s'", key);
	if (!cur)
		return set_no_key(&op, seg, (size_t)(strcspn(seg, "/")), err);
	for (;;) {
		const char *end = strchr(seg, '/');

		if (!end) {
			if (unset_last(&op, cur, seg, strlen(seg), err))
				return -1;
			break;
		}
		cur = set_child(&op, cur, seg, (size_t)(end - seg), false, err);
		if (!cur)
			return -1;
		seg = end + 1;
	}
	cfg_record(c, "--unset", key);
	return 0;
}

/* --- the effective scenario as YAML --- */

static int dump_node(yaml_emitter_t *e, const struct cfg_node *n);

static int dump_emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -1;
}

static int dump_scalar(yaml_emitter_t *e, const char *s, bool quoted)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
				     quoted ? YAML_SINGLE_QUOTED_SCALAR_STYLE
					    : YAML_ANY_SCALAR_STYLE);
	return dump_emit(e, &ev);
}

/* A list of scalars prints as "[a, b]", anything else in block style. */
static bool seq_is_flat(const struct cfg_node *n)
{
	for (uint32_t i = 0; i < n->n; i++)
		if (n->items[i]->type != CFG_SCALAR)
			return false;
	return true;
}

static int dump_seq(yaml_emitter_t *e, const struct cfg_node *n)
{
	yaml_event_t ev;

	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
					     seq_is_flat(n) ? YAML_FLOW_SEQUENCE_STYLE
							    : YAML_BLOCK_SEQUENCE_STYLE);
	if (dump_emit(e, &ev))
		return -1;
	for (uint32_t i = 0; i < n->n; i++)
		if (dump_node(e, n->items[i]))
			return -1;
	yaml_sequence_end_event_initialize(&ev);
	return dump_emit(e, &ev);
}

static int dump_map(yaml_emitter_t *e, const struct cfg_node *n)
{
	yaml_event_t ev;

	yaml_mapping_start_event_initialize(
		&ev, NULL, NULL, 1, n->n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
	if (dump_emit(e, &ev))
		return -1;
	for (uint32_t i = 0; i < n->n; i++)
		if (dump_scalar(e, n->keys[i], false) || dump_node(e, n->items[i]))
			return -1;
	yaml_mapping_end_event_initialize(&ev);
	return dump_emit(e, &ev);
}

static int dump_node(yaml_emitter_t *e, const struct cfg_node *n)
{
	if (n->type == CFG_SCALAR)
		return dump_scalar(e, n->str, n->quoted);
	return n->type == CFG_SEQ ? dump_seq(e, n) : dump_map(e, n);
}

static int dump_doc(yaml_emitter_t *e, const struct cfg *c)
{
	yaml_event_t ev;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (dump_emit(e, &ev))
		return -1;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (dump_emit(e, &ev) || dump_node(e, c->root))
		return -1;
	yaml_document_end_event_initialize(&ev, 1);
	if (dump_emit(e, &ev))
		return -1;
	yaml_stream_end_event_initialize(&ev);
	return dump_emit(e, &ev) || !yaml_emitter_flush(e) ? -1 : 0;
}

int cfg_dump(const struct cfg *c, FILE *f, struct sim_error *err)
{
	yaml_emitter_t e;
	int rc;

	if (!c->root)
		return sim_error_set(err, "nothing to dump");
	SIM_BUG_ON(!yaml_emitter_initialize(&e));
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	rc = dump_doc(&e, c);
	if (rc)
		sim_error_set(err, "cannot write the scenario: %s",
			      e.problem ? e.problem : strerror(errno));
	yaml_emitter_delete(&e);
	return rc;
}

/* --- lookups --- */

/* The mapping @map with its bookkeeping writable (see the top of this file). */
static struct cfg_node *map_marks(const struct cfg_node *map)
{
	return (struct cfg_node *)map;
}

static void map_mark_known(struct cfg_node *m, const char *key)
{
	for (uint32_t i = 0; i < m->nknown; i++)
		if (strcmp(m->known[i], key) == 0)
			return;
	if (m->nknown == m->known_cap) {
		m->known_cap = m->known_cap ? 2 * m->known_cap : 8;
		m->known = xrealloc(m->known, m->known_cap, sizeof(*m->known));
	}
	m->known[m->nknown++] = xstrdup(key);
}

const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
	struct cfg_node *m = map_marks(map);
	int i;

	if (!m)
		return NULL;
	SIM_BUG_ON(m->type != CFG_MAP);
	map_mark_known(m, key);
	i = map_find(m, key);
	if (i < 0)
		return NULL;
	m->used[i] = true;
	return m->items[i];
}

bool cfg_has(const struct cfg_node *map, const char *key)
{
	return cfg_get(map, key) != NULL;
}

static const char *shape_name(enum cfg_type type)
{
	switch (type) {
	case CFG_MAP:
		return "a mapping";
	case CFG_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}

/* 0 when @n is a @type, else an error naming it @what. */
static int node_shape(const struct cfg_node *n, enum cfg_type type, const char *what,
		      struct sim_error *err)
{
	if (n->type == type)
		return 0;
	return cfg_error(n, err, "'%s' must be %s", what, shape_name(type));
}

/* Key @key of @map in *@out when it is a @type; NULL when missing. */
static int get_shape(const struct cfg_node *map, const char *key, enum cfg_type type,
		     const struct cfg_node **out, struct sim_error *err)
{
	const struct cfg_node *n = cfg_get(map, key);

	*out = NULL;
	if (!n)
		return 0;
	if (node_shape(n, type, key, err))
		return -1;
	*out = n;
	return 0;
}

int cfg_get_map(const struct cfg_node *map, const char *key, const struct cfg_node **out,
		struct sim_error *err)
{
	return get_shape(map, key, CFG_MAP, out, err);
}

int cfg_get_seq(const struct cfg_node *map, const char *key, const struct cfg_node **out,
		struct sim_error *err)
{
	return get_shape(map, key, CFG_SEQ, out, err);
}

int cfg_node_map(const struct cfg_node *n, const char *what, struct sim_error *err)
{
	return node_shape(n, CFG_MAP, what, err);
}

int cfg_node_seq(const struct cfg_node *n, const char *what, struct sim_error *err)
{
	return node_shape(n, CFG_SEQ, what, err);
}

int cfg_require(const struct cfg_node *map, const char *key, const char *what,
		struct sim_error *err)
{
	if (cfg_has(map, key))
		return 0;
	if (!map)
		return sim_error_set(err, "%s needs '%s'", what, key);
	return cfg_error(map, err, "%s needs '%s'", what, key);
}

int cfg_check_unknown(const struct cfg_node *map, const char *what, struct sim_error *err)
{
	char known[SIM_ERROR_MSG], hint[SIM_ERROR_MSG];

	if (!map)
		return 0;
	for (uint32_t i = 0; i < map->n; i++) {
		const char *key = map->keys[i];

		if (map->used[i])
			continue;
		if (!map->nknown)
			return key_error(map, i, err, "unknown key '%s' in %s", key, what);
		suggest(hint, sizeof(hint), key, map->known, map->nknown);
		if (hint[0])
			return key_error(map, i, err, "unknown key '%s' in %s%s", key, what, hint);
		join_names(known, sizeof(known), map->known, map->nknown);
		return key_error(map, i, err, "unknown key '%s' in %s (known: %s)", key, what,
				 known);
	}
	return 0;
}

/* --- conversions of a scalar node named @name in messages --- */

static int bad_value(const struct cfg_node *n, const char *name, const char *want,
		     struct sim_error *err)
{
	return cfg_error(n, err, "'%s' must be %s, got '%s'", name, want, n->str);
}

static int out_of_range(const struct cfg_node *n, const char *name, const char *lo, const char *hi,
			struct sim_error *err)
{
	return cfg_error(n, err, "'%s' must be between %s and %s, got '%s'", name, lo, hi, n->str);
}

/* Decimal or 0x hex digits only: 0, -1 when not an integer, -2 on overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10, d;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int conv_u64(const struct cfg_node *n, const char *name, uint64_t *out, uint64_t min,
		    uint64_t max, struct sim_error *err)
{
	char lo[32], hi[32];
	uint64_t v = 0;
	int rc = parse_u64(n->str, &v);

	if (rc == -1)
		return bad_value(n, name, want_int, err);
	if (rc == 0 && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	snprintf(lo, sizeof(lo), "%llu", (unsigned long long)min);
	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)max);
	return out_of_range(n, name, lo, hi, err);
}

static int conv_time(const struct cfg_node *n, const char *name, sim_time_t *out, sim_time_t min,
		     sim_time_t max, struct sim_error *err)
{
	char lo[32], hi[32];
	sim_time_t v;

	if (sim_parse_time(n->str, &v))
		return bad_value(n, name, want_time, err);
	if (v >= min && v <= max) {
		*out = v;
		return 0;
	}
	sim_fmt_time(lo, sizeof(lo), min);
	sim_fmt_time(hi, sizeof(hi), max);
	return out_of_range(n, name, lo, hi, err);
}

static int conv_size(const struct cfg_node *n, const char *name, uint64_t *out, uint64_t min,
		     uint64_t max, struct sim_error *err)
{
	char lo[32], hi[32];
	uint64_t v;

	if (sim_parse_size(n->str, &v))
		return bad_value(n, name, want_size, err);
	if (v >= min && v <= max) {
		*out = v;
		return 0;
	}
	sim_fmt_size(lo, sizeof(lo), min);
	sim_fmt_size(hi, sizeof(hi), max);
	return out_of_range(n, name, lo, hi, err);
}

/*
 * A plain number: an optional '-', digits with an optional fraction, an
 * optional exponent. No leading '+' or space (as for integers).
 */
static int parse_number(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	*out = strtod(s, NULL);
	return 0;
}

static void fmt_number(char *buf, unsigned len, double v)
{
	snprintf(buf, len, "%g", v);
}

static void fmt_freq(char *buf, unsigned len, double hz)
{
	static const struct {
		const char *name;
		double hz;
	} units[] = { { "GHz", 1e9 }, { "MHz", 1e6 }, { "kHz", 1e3 }, { "Hz", 1 } };
	size_t i = 0;

	while (i + 1 < sizeof(units) / sizeof(units[0]) && fabs(hz) < units[i].hz)
		i++;
	snprintf(buf, len, "%g%s", hz / units[i].hz, units[i].name);
}

/* A floating-point quantity: how it is parsed, described and printed. */
struct real_kind {
	const char *want;
	int (*parse)(const char *s, double *out);
	void (*fmt)(char *buf, unsigned len, double v);
};

static const struct real_kind kind_number = { "a number", parse_number, fmt_number };
static const struct real_kind kind_bitrate = {
	"a bit rate like '10Gbit' (units: bit, kbit, Mbit, Gbit, Tbit, bps, Mbps, Gbps)",
	sim_parse_bitrate, sim_fmt_bitrate
};
static const struct real_kind kind_pktrate = {
	"a packet rate like '1.5Mpps' (units: pps, kpps, Mpps, Gpps)", sim_parse_pktrate,
	sim_fmt_pktrate
};
static const struct real_kind kind_freq = { "a frequency like '3GHz' (units: Hz, kHz, MHz, GHz)",
					    sim_parse_freq, fmt_freq };

static int conv_real(const struct cfg_node *n, const char *name, const struct real_kind *k,
		     double *out, double min, double max, struct sim_error *err)
{
	char lo[64], hi[64];
	double v;

	if (k->parse(n->str, &v))
		return bad_value(n, name, k->want, err);
	if (isfinite(v) && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	k->fmt(lo, sizeof(lo), min);
	k->fmt(hi, sizeof(hi), max);
	return out_of_range(n, name, lo, hi, err);
}

static int conv_bool(const struct cfg_node *n, const char *name, bool *out, struct sim_error *err)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(n->str, yes[i]) == 0 || strcasecmp(n->str, no[i]) == 0) {
			*out = strcasecmp(n->str, yes[i]) == 0;
			return 0;
		}
	}
	return bad_value(n, name, want_bool, err);
}

static int conv_enum(const struct cfg_node *n, const char *name, const char *const *names, int *out,
		     struct sim_error *err)
{
	char list[SIM_ERROR_MSG], hint[SIM_ERROR_MSG];
	size_t count = 0;

	for (; names[count]; count++) {
		if (strcmp(n->str, names[count]) == 0) {
			*out = (int)count;
			return 0;
		}
	}
	join_names(list, sizeof(list), names, count);
	suggest(hint, sizeof(hint), n->str, names, count);
	return cfg_error(n, err, "'%s' must be one of %s, got '%s'%s", name, list, n->str, hint);
}

/* --- typed getters --- */

/* Key @key of @map in *@out when it is a scalar; NULL when missing. */
static int get_scalar(const struct cfg_node *map, const char *key, const struct cfg_node **out,
		      struct sim_error *err)
{
	return get_shape(map, key, CFG_SCALAR, out, err);
}

int cfg_get_str(const struct cfg_node *map, const char *key, const char **out, const char *def,
		struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	if (n)
		*out = n->str;
	return 0;
}

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";

enum cfg_name_fault cfg_name_check(const char *s, size_t maxlen)
{
	size_t len = strlen(s);

	if (!len)
		return CFG_NAME_EMPTY;
	if (len > maxlen)
		return CFG_NAME_LONG;
	if (strspn(s, name_chars) != len)
		return CFG_NAME_CHARS;
	if (s[0] == '.' || s[0] == '-')
		return CFG_NAME_START;
	return CFG_NAME_OK;
}

int cfg_get_name(const struct cfg_node *map, const char *key, const char **out, size_t maxlen,
		 struct sim_error *err)
{
	const struct cfg_node *n;

	*out = NULL;
	if (get_scalar(map, key, &n, err))
		return -1;
	if (!n)
		return 0;
	switch (cfg_name_check(n->str, maxlen)) {
	case CFG_NAME_EMPTY:
		return cfg_error(n, err, "'%s' must not be empty", key);
	case CFG_NAME_LONG:
		return cfg_error(n, err, "'%s' must be at most %zu characters, got '%s'", key,
				 maxlen, n->str);
	case CFG_NAME_CHARS:
		return cfg_error(n, err, "'%s' must be letters, digits, '_', '-' or '.', got '%s'",
				 key, n->str);
	case CFG_NAME_START:
		return cfg_error(n, err, "'%s' must not start with '.' or '-', got '%s'", key,
				 n->str);
	case CFG_NAME_OK:
		break;
	}
	*out = n->str;
	return 0;
}

int cfg_get_bool(const struct cfg_node *map, const char *key, bool *out, bool def,
		 struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_bool(n, key, out, err) : 0;
}

int cfg_get_u64(const struct cfg_node *map, const char *key, uint64_t *out, uint64_t def,
		uint64_t min, uint64_t max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_u64(n, key, out, min, max, err) : 0;
}

int cfg_get_double(const struct cfg_node *map, const char *key, double *out, double def, double min,
		   double max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_real(n, key, &kind_number, out, min, max, err) : 0;
}

int cfg_get_time(const struct cfg_node *map, const char *key, sim_time_t *out, sim_time_t def,
		 sim_time_t min, sim_time_t max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_time(n, key, out, min, max, err) : 0;
}

int cfg_get_size(const struct cfg_node *map, const char *key, uint64_t *out, uint64_t def,
		 uint64_t min, uint64_t max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_size(n, key, out, min, max, err) : 0;
}

int cfg_get_bitrate(const struct cfg_node *map, const char *key, double *out, double def,
		    double min, double max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_real(n, key, &kind_bitrate, out, min, max, err) : 0;
}

int cfg_get_pktrate(const struct cfg_node *map, const char *key, double *out, double def,
		    double min, double max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_real(n, key, &kind_pktrate, out, min, max, err) : 0;
}

int cfg_get_freq(const struct cfg_node *map, const char *key, double *out, double def, double min,
		 double max, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_real(n, key, &kind_freq, out, min, max, err) : 0;
}

int cfg_get_fraction(const struct cfg_node *map, const char *key, double *out, double def,
		     struct sim_error *err)
{
	const struct cfg_node *n;
	double v;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	if (!n)
		return 0;
	if (sim_parse_fraction(n->str, &v))
		return bad_value(n, key, want_frac, err);
	*out = v;
	return 0;
}

int cfg_get_enum(const struct cfg_node *map, const char *key, const char *const *names, int *out,
		 int def, struct sim_error *err)
{
	const struct cfg_node *n;

	*out = def;
	if (get_scalar(map, key, &n, err))
		return -1;
	return n ? conv_enum(n, key, names, out, err) : 0;
}

/* --- the same on a node in hand --- */

int cfg_node_u64(const struct cfg_node *n, const char *what, uint64_t *out, uint64_t min,
		 uint64_t max, struct sim_error *err)
{
	if (node_shape(n, CFG_SCALAR, what, err))
		return -1;
	return conv_u64(n, what, out, min, max, err);
}

int cfg_node_double(const struct cfg_node *n, const char *what, double *out, double min, double max,
		    struct sim_error *err)
{
	if (node_shape(n, CFG_SCALAR, what, err))
		return -1;
	return conv_real(n, what, &kind_number, out, min, max, err);
}

int cfg_node_time(const struct cfg_node *n, const char *what, sim_time_t *out, sim_time_t min,
		  sim_time_t max, struct sim_error *err)
{
	if (node_shape(n, CFG_SCALAR, what, err))
		return -1;
	return conv_time(n, what, out, min, max, err);
}

int cfg_node_size(const struct cfg_node *n, const char *what, uint64_t *out, uint64_t min,
		  uint64_t max, struct sim_error *err)
{
	if (node_shape(n, CFG_SCALAR, what, err))
		return -1;
	return conv_size(n, what, out, min, max, err);
}

int cfg_node_str(const struct cfg_node *n, const char *what, const char **out,
		 struct sim_error *err)
{
	if (node_shape(n, CFG_SCALAR, what, err))
		return -1;
	*out = n->str;
	return 0;
}
