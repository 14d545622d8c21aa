"""Short texts written for the ingestion tests (never third-party news), shared by several
test modules: an article about the AI computing center, a weather report, a two-article page."""

from pledges.demo_data import DEMO_DIR

AI_CENTER = [
    "광주시가 국가AI컴퓨팅센터 유치를 위해 정부와 협의를 이어가고 있다고 9일 밝혔다.",
    "광주시는 첨단3지구 인공지능 집적단지에 초고성능 GPU 5만 장 규모의 시설을 갖추겠다는 계획을 내놓았다.",
    "시 관계자는 국가AI컴퓨팅센터가 들어서면 지역 인공지능 기업의 연산 자원 부족이 해소될 것이라고 말했다.",
    "다만 2조 원이 넘는 투자비와 불확실한 수익성은 대기업 참여의 걸림돌로 꼽힌다.",
]
WEATHER = [
    "기상청은 10일 전국이 대체로 맑겠으나 오후 한때 남부지방에 소나기가 내리겠다고 예보했다.",
    "낮 최고기온은 26도에서 31도로 평년보다 조금 높겠고 자외선 지수도 높겠다.",
    "기상청은 건강 관리와 농작물 관리에 유의해 달라고 당부했다.",
]
SHORT_PAGE = """광주시 AI 실증밸리 예산 확보 총력
국비 지원 건의
광주시는 AX 실증밸리 조성을 위해 국비 확보에 나섰다고 10일 밝혔다.
시는 2029년까지 모두 9000억 원을 들여 첨단3지구에 실증 시설을 짓는다.
/김민수기자 kim@example.org
전남 해안 관광객 늘어
여름 성수기 앞두고
전남 해안 관광지를 찾는 관광객이 지난해보다 크게 늘었다.
도는 숙박 시설 점검에 나섰다.
/이영희기자 lee@example.org
"""
SEED_PAGE = DEMO_DIR / "kwangju_ilbo_2025-06-10_p2.txt"
HANGUL = "광주시는 국가AI컴퓨팅센터 유치에 나섰다. 똠방각하 햏 뷁"  # 똠 햏 뷁: CP949-only syllables
