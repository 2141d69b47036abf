# Bash completion for sfa(1) and sfa-lead(1).
#
# Installed in bash-completion's completions directory under the names
# "sfa" and "sfa-lead" (the same file); it can also be sourced directly:
#
#	. /usr/local/share/bash-completion/completions/sfa
#
# `sfa NAME ...` is completed like `sfa-NAME ...`.

_sfa_output_formats='csv json ndjson table ids'
_sfa_log_formats='text csv json ndjson'
_sfa_builtins='init log reindex unlock help'
_sfa_lead_verbs='add import show list'
_sfa_lead_fields='id first_name last_name company email phone title source
	status owner country city industry employees interest external_id
	created_at notes'

# COMPREPLY from the words of $1 that start with $2.
_sfa_words()
{
	local IFS=$' \t\n'
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_sfa_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_sfa_dirs()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

# Field names followed by '=' (for --where and for add's FIELD=VALUE).
_sfa_field_assign()
{
	local f
	COMPREPLY=()
	for f in $_sfa_lead_fields; do
		[[ $f == "$1"* ]] && COMPREPLY+=("$f=")
	done
	compopt -o nospace 2>/dev/null
}

# A comma-separated list of field names (for --fields).
_sfa_field_list()
{
	local cur=$1 head= f
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		cur=${cur##*,}
	fi
	COMPREPLY=()
	for f in $_sfa_lead_fields; do
		[[ $f == "$cur"* ]] && COMPREPLY+=("$head$f")
	done
	compopt -o nospace 2>/dev/null
}

# Sets cur and prev for the word being completed. "--opt=value" is split
# by readline at '='; then prev is the option and eq is 1.
_sfa_cur_prev()
{
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	eq=0
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $cur == = ]]; then
		cur=
		eq=1
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
		eq=1
	fi
	if ((eq)) && [[ $prev != --* ]]; then
		prev=
	fi
}

# The external commands sfa can run: sfa-NAME programs in $SFA_EXEC_PATH,
# the directory of the sfa binary, PREFIX/libexec/sfa and $PATH.
_sfa_external_commands()
{
	local -A seen=()
	local -a dirs=()
	local bin d f n p
	bin=${COMP_WORDS[0]}
	[[ $bin == */* ]] || bin=$(type -P sfa 2>/dev/null)
	[[ -n ${SFA_EXEC_PATH-} ]] && dirs+=("$SFA_EXEC_PATH")
	if [[ $bin == */* ]]; then
		dirs+=("${bin%/*}")
		[[ ${bin%/*} == */* ]] && dirs+=("${bin%/*/*}/libexec/sfa")
	fi
	local IFS=:
	for p in $PATH; do
		dirs+=("${p:-.}")
	done
	IFS=$' \t\n'
	for d in "${dirs[@]}"; do
		for f in "$d"/sfa-*; do
			[[ -f $f && -x $f ]] || continue
			n=${f##*/sfa-}
			[[ -n $n && -z ${seen[$n]-} ]] || continue
			seen[$n]=1
			printf '%s\n' "$n"
		done
	done
}

_sfa_lead()
{
	local cur prev eq verb= i w
	_sfa_cur_prev

	# The verb is the first word that is not an option or its argument.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			verb=$w
			break
			;;
		esac
	done

	# Arguments of options.
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		[[ -n $verb ]] && _sfa_words "$_sfa_output_formats" "$cur"
		return 0
		;;
	--rejects)
		_sfa_files "$cur"
		return 0
		;;
	--fields)
		_sfa_field_list "$cur"
		return 0
		;;
	--where)
		_sfa_field_assign "$cur"
		return 0
		;;
	-m | --message | --limit)
		return 0
		;;
	esac
	# The VALUE of a FIELD=VALUE word.
	((eq)) && return 0

	case $verb in
	'')
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help --version' "$cur"
		else
			_sfa_words "$_sfa_lead_verbs" "$cur"
		fi
		;;
	add)
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		else
			_sfa_field_assign "$cur"
		fi
		;;
	import)
		if [[ $cur == -* ]]; then
			_sfa_words '--store -n --dry-run --skip-invalid --rejects
				-m --message -q --quiet -h --help' "$cur"
		else
			_sfa_files "$cur"
		fi
		;;
	show)
		[[ $cur == -* ]] && _sfa_words '--store --format -h --help' "$cur"
		;;
	list)
		[[ $cur == -* ]] && _sfa_words '--store --fields --where --limit
			--format -h --help' "$cur"
		;;
	esac
	return 0
}

# Completes `sfa NAME ARGS...` as `sfa-NAME ARGS...`; $1 is the index of
# NAME in COMP_WORDS.
_sfa_delegate()
{
	local ci=$1 name=${COMP_WORDS[$1]}
	local fn=_sfa_${name//-/_} spec line rest consumed=0 i
	local -a words=("sfa-$name" "${COMP_WORDS[@]:ci+1}")

	# COMP_LINE and COMP_POINT without the words before NAME.
	line=$COMP_LINE
	for ((i = 0; i <= ci; i++)); do
		rest=${line#*"${COMP_WORDS[i]}"}
		consumed=$((consumed + ${#line} - ${#rest}))
		line=$rest
	done

	local COMP_LINE="sfa-$name$line"
	local COMP_POINT=$((COMP_POINT - consumed + ${#name} + 4))
	local COMP_CWORD=$((COMP_CWORD - ci))
	local -a COMP_WORDS=("${words[@]}")

	if ! declare -F "$fn" >/dev/null; then
		fn=
		spec=$(complete -p "sfa-$name" 2>/dev/null)
		if [[ -z $spec ]] && declare -F __load_completion >/dev/null; then
			__load_completion "sfa-$name" &&
				spec=$(complete -p "sfa-$name" 2>/dev/null)
		fi
		[[ $spec =~ -F\ ([^ ]+) ]] && fn=${BASH_REMATCH[1]}
	fi
	if [[ -n $fn ]]; then
		"$fn" "sfa-$name" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD-1]}"
	else
		_sfa_files "${COMP_WORDS[COMP_CWORD]}"
	fi
}

_sfa()
{
	if [[ ${COMP_WORDS[0]##*/} == sfa-lead ]]; then
		_sfa_lead "$@"
		return
	fi

	local cur prev eq cmd= ci=0 i w
	_sfa_cur_prev

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			cmd=$w
			ci=$i
			break
			;;
		esac
	done

	case $cmd in
	'')
		if [[ $prev == --store ]]; then
			_sfa_dirs "$cur"
		elif ((eq)); then
			COMPREPLY=()
		elif [[ $cur == -* ]]; then
			_sfa_words '--store -h --help --version' "$cur"
		else
			_sfa_words "$_sfa_builtins $(_sfa_external_commands)" "$cur"
		fi
		;;
	init)
		if [[ $cur == -* ]]; then
			_sfa_words '-q --quiet -h --help' "$cur"
		else
			_sfa_dirs "$cur"
		fi
		;;
	log)
		case $prev in
		--store) _sfa_dirs "$cur" ;;
		--format) _sfa_words "$_sfa_log_formats" "$cur" ;;
		-n | --limit) COMPREPLY=() ;;
		*)
			if ((eq)); then
				COMPREPLY=()
			elif [[ $cur == -* ]]; then
				_sfa_words '--store -n --limit -p --patch --format
					-h --help' "$cur"
			fi
			;;
		esac
		;;
	reindex | unlock)
		if [[ $prev == --store ]]; then
			_sfa_dirs "$cur"
		elif ((eq)); then
			COMPREPLY=()
		elif [[ $cur == -* ]]; then
			if [[ $cmd == reindex ]]; then
				_sfa_words '--store -q -h --help' "$cur"
			else
				_sfa_words '--store -h --help' "$cur"
			fi
		fi
		;;
	help)
		((COMP_CWORD == ci + 1)) &&
			_sfa_words "$_sfa_builtins $(_sfa_external_commands)" "$cur"
		;;
	*)
		_sfa_delegate "$ci"
		;;
	esac
	return 0
}

complete -F _sfa sfa sfa-lead
